"""Issue 5 item 6 in a real browser (Chromium): a Spanish idea is held for a rude word, a moderator
approves it in the queue, the author gets the decision by email through the delivery engine; and every
moderation page passes axe-core (WCAG 2.2 AA)."""

import re

import pytest
from django.core.management import call_command

from civicloop.conftest import login_in_browser
from civicloop.delivery.tests.smtp_sink import site_mail
from civicloop.engage.models import Idea, ModerationState
from civicloop.engage.tests.conftest import client_for, make_resident
from civicloop.moderation.models import Decision, ModerationCase
from civicloop.moderation.services import DecisionInput, case_decide
from civicloop.moderation.tests.conftest import post_comment, post_idea

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("moderation_defaults"),
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sink(settings, live_server):  # type: ignore[no-untyped-def]
    with site_mail(settings, live_server.url) as mail:
        yield mail


def browser_for(chromium, live_server, participant=None, *, locale="en-US"):  # type: ignore[no-untyped-def]
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale=locale)
    if participant is not None:
        cookie = client_for(participant).cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_a_spanish_idea_held_for_a_rude_word_is_approved_and_the_author_is_emailed(
    chromium, live_server, question, moderator, sink, assert_accessible
):
    vecina = make_resident("vecina@example.org", name="Lucía", language="es")
    page = browser_for(chromium, live_server, vecina, locale="es-US")
    page.goto(f"{question.get_absolute_url()}new/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator("input[name=title]").fill("Bancas nuevas en el parque")
    page.locator("textarea[name=body]").fill("Los concejales son unos idiotas, pongan bancas ya.")
    page.locator("form[action$='/new/'] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/ideas/\d+/$"))
    idea = Idea.objects.get()
    assert idea.moderation_state == ModerationState.HELD
    page.wait_for_selector(".notice[role=status]")  # the author sees it is held, and why
    assert_accessible(page)

    console = browser_for(chromium, live_server)
    login_in_browser(console, live_server, moderator)
    console.goto("/staff/moderation/")
    assert "Bancas nuevas en el parque" in console.content()
    assert_accessible(console)
    case = ModerationCase.objects.get()
    console.get_by_role("link", name=f"Case {case.pk}", exact=True).click()
    console.wait_for_url(f"**/staff/moderation/{case.pk}/")
    assert_accessible(console)
    console.get_by_label("Approve: publish it").check()
    console.get_by_role("button", name="Save the decision").click()
    console.wait_for_url("**/staff/moderation/")
    console.wait_for_selector(".messages")
    assert_accessible(console)

    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.PUBLISHED
    assert Decision.objects.get().action == "approve"
    call_command("worker", batch=True)
    # Her sign-in link went to the same address; the decision is the one about her idea.
    emails = [email for email in sink.to("vecina@example.org") if "Bancas nuevas" in email["Subject"]]
    assert len(emails) == 1
    assert f"/ideas/{idea.pk}/" in emails[0].get_body(("plain",)).get_content()

    page.reload()
    assert page.locator(".notice[role=status]").count() == 0  # published: no longer held
    page.context.close()
    console.context.close()


def test_report_appeal_log_conduct_and_error_pages_pass_axe(
    chromium, live_server, question, author, moderator, admin_user, assert_accessible
):
    idea = post_idea(question, author)
    post_comment(idea, author, "A fine comment")
    reporter = make_resident("rita@example.org", name="Rita")
    page = browser_for(chromium, live_server, reporter)
    page.goto(f"/ideas/{idea.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Report this idea to the moderators").click()
    page.get_by_role("button", name="Send the report").click()  # no reason: the error summary
    page.wait_for_selector("#error-summary")
    assert_accessible(page)
    page.goto(f"/ideas/{idea.pk}/")
    page.locator(f"a[href='/report/comment/{idea.comments.get().pk}/']").click()
    assert_accessible(page)
    page.goto("/code-of-conduct/")
    assert_accessible(page)

    held = post_idea(question, author, title="Rude", body="idiots")
    case = ModerationCase.objects.get(idea=held)
    case_decide(
        case_id=case.pk,
        stage="first",
        data=DecisionInput(action="reject", reason="uncivil", note="Insults"),
        moderator=moderator,
    )
    own = browser_for(chromium, live_server, author)
    own.goto(f"/appeals/{case.pk}/")
    own.get_by_role("button", name="Send the appeal").click()
    own.wait_for_selector("#error-summary")
    assert_accessible(own)

    console = browser_for(chromium, live_server)
    login_in_browser(console, live_server, admin_user)
    console.goto(f"/staff/moderation/{case.pk}/")
    assert_accessible(console)
    console.goto("/staff/moderation/log/")
    assert_accessible(console)
    console.goto("/staff/moderation/?queue=decided")
    assert_accessible(console)
    console.goto("/staff/")
    console.get_by_role("link", name="Moderation").click()
    console.wait_for_url("**/staff/moderation/")
    for browser_page in (page, own, console):
        browser_page.context.close()
