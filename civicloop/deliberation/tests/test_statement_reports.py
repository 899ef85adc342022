"""Residents report a statement as they report an idea or a comment: three reports hide it, a moderator
decides the case in the moderation console, its author is told and may appeal (deliberation registers
statements with moderation's registry; moderation imports no deliberation module)."""

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.deliberation.models import Conversation, Statement
from civicloop.deliberation.services import resident_vote
from civicloop.deliberation.tests.test_pages import make_conversation, vote
from civicloop.delivery.models import Delivery
from civicloop.engage.models import Participant
from civicloop.engage.tests.conftest import client_for, make_resident
from civicloop.moderation.models import AuditEvent, Decision, ModerationCase
from civicloop.moderation.selectors import removed_content_rows


@pytest.fixture
def moderator(db: Any, settings: Any) -> User:
    settings.MODERATION_REPORTS_TO_HIDE = 3
    settings.SITE_URL = "https://city.example.org"
    return User.objects.create_user(username="mo", password="x", role=Role.MODERATOR)


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def written_statement(conversation: Conversation, text: str = "Close the field house at dusk") -> Statement:
    """A statement a resident (Ana) wrote on the page, accepted by the check, with a vote on it."""
    ana = client_for(make_resident())
    assert ana.post(f"/conversations/{conversation.pk}/statements/", {"text": text}).status_code == 302
    statement = Statement.objects.get(conversation=conversation, text=text)
    assert statement.moderation == Statement.Moderation.ACCEPTED
    return statement


def author_of(statement: Statement) -> Participant:
    assert statement.author is not None and statement.author.resident is not None
    return statement.author.resident


def report_url(statement: Statement) -> str:
    return f"/conversations/{statement.conversation_id}/statements/{statement.pk}/report/"


def reporters(count: int) -> list[Client]:
    return [client_for(make_resident(f"r{index}@example.org", name=f"R{index}")) for index in range(count)]


@pytest.mark.django_db
def test_three_reports_hide_a_statement_and_a_moderators_rejection_removes_it(
    moderator: User, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = make_conversation(texts=())
    statement = written_statement(conversation)
    first, second, third = reporters(3)
    assert vote(first, conversation, statement, "agree").status_code == 302

    page = first.get(conversation.get_absolute_url()).content.decode()  # first voted: not offered again
    assert report_url(statement) in second.get(conversation.get_absolute_url()).content.decode()
    assert "Report this statement" not in page
    form = second.get(report_url(statement))
    assert form.status_code == 200 and "Close the field house at dusk" in form.content.decode()
    for client in (first, second):
        response = client.post(report_url(statement), {"reason": "off_topic", "note": ""})
        assert response.status_code == 302 and response["Location"] == conversation.get_absolute_url()
    statement.refresh_from_db()
    assert statement.moderation == Statement.Moderation.ACCEPTED  # two reports: still shown
    third.post(report_url(statement), {"reason": "spam", "note": "An advert"})

    statement.refresh_from_db()
    assert statement.moderation == Statement.Moderation.HIDDEN
    [case] = ModerationCase.objects.all()
    assert (case.kind, case.content_id, case.idea_id, case.comment_id) == (
        "statement",
        statement.pk,
        None,
        None,
    )
    assert (case.reports_count, case.reasons) == (3, ["off_topic", "spam"])
    late = client_for(make_resident("late@example.org", name="Late"))
    assert late.get(conversation.get_absolute_url()).context["statement"] is None  # out of voting
    assert late.get(report_url(statement)).status_code == 404  # hidden: not for residents
    with pytest.raises(Exception, match="waiting for a moderator"):
        resident_vote(
            conversation=conversation,
            resident=make_resident("v@example.org", name="V"),
            statement_id=statement.pk,
            value=1,
        )

    console = staff_client(moderator)
    queue = console.get("/staff/moderation/").content.decode()
    assert "Statement:" in queue and "Close the field house at dusk" in queue and conversation.title in queue
    case_page = console.get(f"/staff/moderation/{case.pk}/")
    content = case_page.content.decode()
    assert "The statement" in content and "Hidden after reports" in content
    assert "In the conversation" in content and 'value="edit"' not in content  # voted on: no edits
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            f"/staff/moderation/{case.pk}/",
            {"stage": "first", "action": "reject", "reason": "spam", "note": "An advert."},
        )

    assert response.status_code == 302
    statement.refresh_from_db()
    case.refresh_from_db()
    conversation.refresh_from_db()
    assert statement.moderation == Statement.Moderation.REJECTED and case.state == "decided"
    assert conversation.analysis_due_at is not None  # the analysis is asked to leave it out
    decision = Decision.objects.get(case=case)
    assert (decision.state_before, decision.state_after, decision.text_before) == (
        "hidden",
        "removed",
        "Close the field house at dusk",
    )
    assert list(AuditEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
        "opened",
        "reported",
        "reported",
        "reported",
        "hidden",
        "decided",
    ]
    # Ana, the author, is told, about her statement in this conversation, and may appeal.
    delivery = Delivery.objects.get(message__template="moderation_decision")
    assert delivery.contact_point_id == author_of(statement).contact_point_id
    body = render_to_string("delivery/notifications/moderation_decision_body.txt", delivery.message.context)
    assert f'About your statement in the conversation "{conversation.title}"' in body
    assert delivery.message.context["can_appeal"]
    ana = client_for(author_of(statement))
    appeal = ana.get(delivery.message.context["appeal_url"].removeprefix("https://city.example.org"))
    assert appeal.status_code == 200 and "Your statement" in appeal.content.decode()
    assert third.get(f"/appeals/{case.pk}/").status_code == 404  # not the author's
    # The public-records export lists it, masked and by participant number.
    rows = [row for row in removed_content_rows() if row[0] == "statement"]
    assert [(row[1], row[2], row[3], row[6], row[11]) for row in rows] == [
        (statement.pk, "", conversation.title, "removed", "reject")
    ]


@pytest.mark.django_db
def test_a_moderators_edit_of_a_statement_is_refused_and_restoring_brings_it_back(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = written_statement(conversation)
    for client in reporters(3):
        client.post(report_url(statement), {"reason": "off_topic"})
    case = ModerationCase.objects.get()
    console = staff_client(moderator)

    edit = console.post(
        f"/staff/moderation/{case.pk}/",
        {"stage": "first", "action": "edit", "reason": "off_topic", "note": "Shorter", "body": "Other text"},
    )
    assert edit.status_code == 400
    statement.refresh_from_db()
    assert statement.text == "Close the field house at dusk" and statement.moderation == "hidden"
    assert not Decision.objects.exists()

    console.post(f"/staff/moderation/{case.pk}/", {"stage": "first", "action": "approve"})
    statement.refresh_from_db()
    assert statement.moderation == Statement.Moderation.ACCEPTED
    fresh = client_for(make_resident("fresh@example.org", name="Fresh"))
    assert fresh.get(conversation.get_absolute_url()).context["statement"] == statement


@pytest.mark.django_db
def test_the_author_cannot_report_their_own_statement_and_a_stranger_must_sign_in(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = written_statement(conversation)
    ana = client_for(author_of(statement))

    refused = ana.post(report_url(statement), {"reason": "spam"})
    anonymous = Client().get(report_url(statement))

    assert refused.status_code == 403 and "cannot report your own post" in refused.content.decode()
    assert anonymous.status_code == 302 and "/sign-in" in anonymous["Location"]
    assert not ModerationCase.objects.exists()


@pytest.mark.django_db
def test_a_bad_reason_is_a_form_error_and_nothing_is_written(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = written_statement(conversation)
    [reporter] = reporters(1)

    response = reporter.post(report_url(statement), {"reason": "not-a-reason"})

    assert response.status_code == 400 and response.context["form"].errors["reason"]
    assert not ModerationCase.objects.exists()


@pytest.mark.django_db
def test_a_statement_of_another_conversation_or_held_is_not_found(moderator: User) -> None:
    conversation = make_conversation(texts=())
    other = make_conversation(texts=("Elsewhere",), space=conversation.space)
    statement = written_statement(conversation)
    held = Statement.objects.create(conversation=conversation, external_id="9", text="Held one")
    [reporter] = reporters(1)

    assert reporter.get(f"/conversations/{other.pk}/statements/{statement.pk}/report/").status_code == 404
    assert reporter.get(report_url(held)).status_code == 404
