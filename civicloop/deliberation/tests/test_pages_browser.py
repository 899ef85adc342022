"""A resident votes on a phone in a real Chromium, then opens the report: axe-clean, no JavaScript of ours."""

from typing import Any

import pytest
from django.utils import timezone

from civicloop.deliberation.models import Vote
from civicloop.deliberation.services import conversation_analyse
from civicloop.deliberation.tests.test_pages import DATA, SMALL, make_conversation
from civicloop.engage.tests.conftest import client_for, make_resident, make_space

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_votes_on_a_phone_and_opens_the_report(
    page: Any, live_server: Any, assert_accessible: Any
) -> None:
    from civicloop.deliberation.services import polis_import

    conversation = make_conversation()
    seattle = polis_import(DATA / SMALL)
    seattle.space = make_space(title="Wages")
    seattle.report_published_at = timezone.now()
    seattle.save(update_fields=["space", "report_published_at"])
    conversation_analyse(seattle)
    ana = make_resident()
    cookie = client_for(ana).cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    assert page.viewport_size == {"width": 390, "height": 844}

    page.goto(conversation.get_absolute_url())
    assert_accessible(page)
    for name in ("Agree", "Disagree", "Pass / unsure"):
        statement = page.locator(".statement-text").inner_text()
        button = page.get_by_role("button", name=name, exact=True)
        assert button.bounding_box()["height"] >= 44  # a thumb-sized target
        button.click()
        page.wait_for_load_state()
        assert (
            page.locator(".statement-text").count() == 0
            or page.locator(".statement-text").inner_text() != statement
        )
    page.get_by_text("You have voted on every statement").wait_for()
    assert Vote.objects.filter(conversation=conversation).count() == 3

    page.goto(f"/conversations/{seattle.pk}/report/")
    assert page.get_by_role("img", name="Opinion map").count() == 1
    assert page.get_by_role("table", name="Opinion groups").locator("tbody tr").count() >= 2
    assert_accessible(page)


def test_a_resident_adds_a_statement_and_staff_publish_the_report_with_a_response(
    page: Any, live_server: Any, assert_accessible: Any
) -> None:
    from civicloop.accounts.models import Role, User
    from civicloop.conftest import login_in_browser
    from civicloop.deliberation.services import polis_import

    conversation = make_conversation()
    seattle = polis_import(DATA / SMALL)
    seattle.space = make_space(title="Wages")
    seattle.save(update_fields=["space"])
    conversation_analyse(seattle)
    cookie = client_for(make_resident()).cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])

    page.goto(conversation.get_absolute_url())
    page.get_by_label("Add a statement").fill("x" * 141)  # the browser stops at 140
    page.get_by_role("button", name="Add statement").click()
    page.wait_for_load_state()
    page.get_by_text("Thank you. Your statement was added").wait_for()
    assert_accessible(page)
    assert conversation.statements.filter(text="x" * 140).exists()

    page.context.clear_cookies()
    staff = User.objects.create_user(username="admin", password="x", role=Role.ADMIN)  # sees every form
    login_in_browser(page, live_server, staff)
    page.goto("/staff/conversations/statements/")
    assert_accessible(page)
    page.goto(f"/staff/conversations/{seattle.pk}/")
    assert_accessible(page)
    page.get_by_label("Official response").fill("We will act on what you agreed on.")
    page.get_by_role("button", name="Save official response").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Publish the report").click()
    page.wait_for_load_state()
    page.goto(f"/conversations/{seattle.pk}/report/")
    page.get_by_text("We will act on what you agreed on.").wait_for()
    assert_accessible(page)


def test_staff_open_a_conversation_with_seed_statements_and_close_it(
    page: Any, live_server: Any, assert_accessible: Any
) -> None:
    from civicloop.accounts.models import Role, User
    from civicloop.conftest import login_in_browser
    from civicloop.deliberation.models import Conversation

    make_space(title="Parks")
    staff = User.objects.create_user(username="comms", password="x", role=Role.COMMUNICATIONS)
    login_in_browser(page, live_server, staff)

    page.goto("/staff/conversations/")
    page.get_by_role("link", name="Open a conversation").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Title").fill("Parks after dark")
    page.get_by_label("Question or topic put to residents").fill(
        "What would bring you to your park at night?"
    )
    page.get_by_label("Space").select_option(label="Parks (Public)")
    page.get_by_label("Seed statements").fill("Lights on the paths.\nlights on the paths.")
    page.get_by_role("button", name="Open the conversation").click()
    page.wait_for_load_state()
    page.get_by_text("Line 2 repeats line 1.").first.wait_for()
    assert_accessible(page)  # the error summary and the field's error
    page.get_by_label("Seed statements").fill("Lights on the paths.\nA café in every big park.")
    page.get_by_role("button", name="Open the conversation").click()
    page.wait_for_load_state()
    page.get_by_text("Conversation opened with 2 statements").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Close the conversation").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Reopen the conversation").wait_for()
    assert Conversation.objects.get().status == Conversation.Status.CLOSED
