"""The idea pages in a real browser (Debian Chromium): axe-core WCAG 2.2 AA, and no JavaScript of ours."""

import pytest

from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import comment_create, idea_create
from civicloop.engage.tests.conftest import client_for, make_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_browser(page, live_server, participant):
    cookie = client_for(participant).cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_question_page_idea_page_and_post_form_with_errors_pass_axe(
    page, live_server, question, assert_accessible
):
    ana = make_resident()
    idea = idea_create(
        question=question,
        viewer=viewer_for(user=None, participant_id=ana.pk),
        title="Benches",
        body="By the lake.",
    )
    comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=ana.pk), body="Near 31st St.")
    sign_in_browser(page, live_server, ana)

    page.goto(question.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Newest").click()
    page.get_by_role("link", name="Benches").click()
    page.wait_for_url(f"**/ideas/{idea.pk}/")
    assert_accessible(page)

    page.get_by_role("button", name="Support this idea").click()
    page.wait_for_selector("text=You support this idea.")
    page.goto(f"{question.get_absolute_url()}new/")
    page.get_by_label("Title").fill("x" * 10)
    page.get_by_role("button", name="Post idea").click()
    page.wait_for_selector("#error-summary")
    assert page.locator("#error-summary li").count() == 1  # the missing description
    assert_accessible(page)
