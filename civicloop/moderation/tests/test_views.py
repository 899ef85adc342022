"""Moderation pages over HTTP: who may see what, the decision form, reports, appeals, the export."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicloop.engage.models import Idea, ModerationState
from civicloop.engage.tests.conftest import client_for, make_resident
from civicloop.moderation.models import Appeal, AuditEvent, Decision, ModerationCase, Report
from civicloop.moderation.tasks import flag_support_bursts
from civicloop.moderation.tests.conftest import post_comment, post_idea, residents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def staff_client(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def held(question, author, title="Councillors"):  # type: ignore[no-untyped-def]
    post_idea(question, author, title=title, body="They are idiots.")
    return ModerationCase.objects.order_by("-id").first()


def test_moderation_pages_are_for_moderators_only(question, author, moderator, department_user):
    case = held(question, author)
    urls = ["/staff/moderation/", f"/staff/moderation/{case.pk}/", "/staff/moderation/log/"]
    for url in urls:
        assert Client().get(url).status_code == 302  # to the login page
        assert staff_client(department_user).get(url).status_code == 403
        assert staff_client(moderator).get(url).status_code == 200
    response = staff_client(department_user).post(
        f"/staff/moderation/{case.pk}/", {"stage": "first", "action": "approve"}
    )
    assert response.status_code == 403 and not Decision.objects.exists()


def test_the_queue_shows_reason_and_score_urgent_first_in_constant_queries(question, author, moderator):
    client = staff_client(moderator)
    held(question, author)
    client.get("/staff/moderation/")  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as one:
        response = client.get("/staff/moderation/")
    content = response.content.decode()
    assert "Civility check" in content and "Insults, abuse or harassment" in content and "0.91" in content
    for index in range(4):
        held(question, make_resident(f"x{index}@example.org"), title=f"Held {index}")
    post_comment(Idea.objects.get(title="Councillors"), author, "i will hurt you")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/staff/moderation/")
    assert len(many.captured_queries) == len(one.captured_queries)
    content = response.content.decode()
    assert content.index("i will hurt you") < content.index("Councillors")  # urgent first


def test_approve_from_the_case_page_and_a_second_click_gets_a_clear_message(
    question, author, moderator, other_moderator
):
    case = held(question, author)
    form = {"stage": "first", "action": "approve", "reason": "", "note": "", "title": "x", "body": "y"}
    response = staff_client(moderator).post(f"/staff/moderation/{case.pk}/", form)
    assert response.status_code == 302 and response["Location"] == "/staff/moderation/"
    assert Idea.objects.get().moderation_state == ModerationState.PUBLISHED
    assert Idea.objects.get().title == "Councillors"  # approve ignores the edit fields
    late = staff_client(other_moderator).post(
        f"/staff/moderation/{case.pk}/", form | {"action": "reject"}, follow=True
    )
    assert "decided already" in late.content.decode()
    assert Decision.objects.count() == 1 and Idea.objects.get().moderation_state == ModerationState.PUBLISHED


def test_a_rejection_without_a_reason_shows_the_form_again(question, author, moderator):
    case = held(question, author)
    response = staff_client(moderator).post(
        f"/staff/moderation/{case.pk}/", {"stage": "first", "action": "reject"}
    )
    assert response.status_code == 400 and "Choose the reason from the list." in response.content.decode()
    assert not Decision.objects.exists()


def test_residents_report_through_the_form_and_signed_out_visitors_sign_in_first(question, author):
    idea = post_idea(question, author)
    assert Client().get(f"/report/idea/{idea.pk}/").status_code == 302
    page = client_for(author).get(f"/ideas/{idea.pk}/").content.decode()
    assert f"/report/idea/{idea.pk}/" not in page  # not on your own idea
    reporter = residents(1)[0]
    client = client_for(reporter)
    assert f"/report/idea/{idea.pk}/" in client.get(f"/ideas/{idea.pk}/").content.decode()
    assert client.get(f"/report/idea/{idea.pk}/").status_code == 200
    response = client.post(f"/report/idea/{idea.pk}/", {"reason": "spam", "note": "An advert"})
    assert response.status_code == 302 and response["Location"] == f"/ideas/{idea.pk}/"
    assert Report.objects.get().note == "An advert"
    again = client.post(f"/report/idea/{idea.pk}/", {"reason": "spam"})
    assert again.status_code == 403 and Report.objects.count() == 1
    bad = client_for(residents(1, prefix="s")[0]).post(f"/report/idea/{idea.pk}/", {"reason": "nope"})
    assert bad.status_code == 400


def test_a_comment_is_reported_and_hidden_at_three_people(question, author):
    idea = post_idea(question, author)
    comment = post_comment(idea, author, "Buy my boat")
    for reporter in residents(3):
        response = client_for(reporter).post(f"/report/comment/{comment.pk}/", {"reason": "spam"})
        assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.HIDDEN
    assert "Buy my boat" not in Client().get(f"/ideas/{idea.pk}/").content.decode()


def test_reports_per_network_address_are_rate_limited(question, author, monkeypatch):
    from civicloop.moderation import report_submission  # engage's page sends its form through it

    monkeypatch.setattr(report_submission, "REPORTS_PER_ADDRESS", 2)
    ideas = [post_idea(question, make_resident(f"w{i}@example.org"), title=f"I{i}") for i in range(3)]
    people = residents(3)
    statuses = [
        client_for(person).post(f"/report/idea/{idea.pk}/", {"reason": "spam"}).status_code
        for person, idea in zip(people, ideas, strict=True)
    ]
    assert statuses == [302, 302, 429] and Report.objects.count() == 2


def test_the_author_appeals_once_from_the_link_others_cannot_see_it(question, author, moderator):
    case = held(question, author)
    staff_client(moderator).post(
        f"/staff/moderation/{case.pk}/",
        {"stage": "first", "action": "reject", "reason": "uncivil", "note": "No"},
    )
    url = f"/appeals/{case.pk}/"
    assert client_for(residents(1)[0]).get(url).status_code == 404
    client = client_for(author)
    page = client.get(url).content.decode()
    assert "Insults, abuse or harassment" in page and "Send the appeal" in page
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "Please look again"}).status_code == 302
    assert Appeal.objects.get().text == "Please look again"
    assert "Send the appeal" not in client.get(url).content.decode()
    assert client.post(url, {"text": "Twice"}).status_code == 403 and Appeal.objects.count() == 1
    assert ModerationCase.objects.get().state == "appealed"


def test_the_export_is_for_administrators_and_keeps_personal_data_out(
    question, author, moderator, admin_user
):
    post_idea(question, author, title="Write to ana@example.org", body="idiots, call 773-555-0199")
    case = ModerationCase.objects.get()
    staff_client(moderator).post(
        f"/staff/moderation/{case.pk}/", {"stage": "first", "action": "reject", "reason": "personal_data"}
    )
    assert staff_client(moderator).get("/staff/moderation/export.csv").status_code == 403
    response = staff_client(admin_user).get("/staff/moderation/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0].startswith("kind,id,idea_id")
    assert "removed" in body and "personal_data" in body
    assert "ana@example.org" not in body and "773-555-0199" not in body and "Ana" not in body
    assert AuditEvent.objects.filter(kind="exported", actor=admin_user).exists()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_code_of_conduct_page(client, language):
    response = client.get("/code-of-conduct/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


def test_a_burst_case_shows_its_evidence_and_an_appeal_warns_the_first_moderator(
    question, author, moderator, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.engage.models import Support

    settings.MODERATION_BURST_SUPPORTS = 3
    idea = post_idea(question, author, title="Popular")
    for index in range(3):
        person = make_resident(f"new{index}@example.org", age=timedelta(minutes=20))
        Support.objects.create(idea=idea, participant=person, created_at=timezone.now())
    flag_support_bursts.call(idea.pk)  # the worker's look after the last support
    client = staff_client(moderator)
    assert "Burst of supports from new accounts" in client.get("/staff/moderation/").content.decode()
    burst = ModerationCase.objects.get(source="burst")
    page = client.get(f"/staff/moderation/{burst.pk}/").content.decode()
    assert "Supports from accounts made after the question opened" in page and "in 60 minutes" in page
    assert "Supports from one network" not in page  # no address was recorded for these

    case = held(question, author)
    client.post(f"/staff/moderation/{case.pk}/", {"stage": "first", "action": "reject", "reason": "uncivil"})
    client_for(author).post(f"/appeals/{case.pk}/", {"text": "Please"})
    page = client.get(f"/staff/moderation/{case.pk}/").content.decode()
    assert "Decide the appeal" in page and "ask another moderator" in page and "Please" in page


def test_a_burst_from_one_network_shows_its_tag_and_supporters_to_moderators(
    question, author, moderator, settings
):
    from django.utils import timezone

    from civicloop.engage.models import Support

    settings.MODERATION_BURST_SAME_NETWORK = 2
    idea = post_idea(question, author, title="Popular")
    people = [make_resident(f"e{index}@example.org") for index in range(2)]
    for person in people:
        Support.objects.create(idea=idea, participant=person, network_key="f" * 32, created_at=timezone.now())
    flag_support_bursts.call(idea.pk)  # the worker's look after the last support
    client = staff_client(moderator)
    assert "Burst of supports from one network" in client.get("/staff/moderation/").content.decode()
    burst = ModerationCase.objects.get(source="burst")
    page = client.get(f"/staff/moderation/{burst.pk}/").content.decode()
    assert "Supports from one network (ffffffff)" in page
    assert f"{people[0].pk}, {people[1].pk}" in page
    assert "f" * 32 not in page  # the tag only
