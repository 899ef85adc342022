"""A resident votes on a phone in a real Chromium, then opens the report: axe-clean, no JavaScript of ours."""

from typing import Any

import pytest

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
    seattle.save(update_fields=["space"])
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
