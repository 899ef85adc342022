"""Jams and similar ideas in a real browser (Debian Chromium): live updates, countdown, axe-core WCAG 2.2 AA."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.conftest import login_in_browser
from civicloop.engage.models import Idea
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import comment_create, idea_create, idea_status_change, jam_prompt_post
from civicloop.engage.tests.conftest import client_for, make_question, make_resident, make_space

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page asks for news every 10 seconds; allow one missed round on a busy machine.
LIVE_WAIT_MS = 25_000


def sign_in_browser(page, live_server, participant):
    cookie = client_for(participant).cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def make_jam(*, hours_left: float = 53):
    now = timezone.now()
    return make_question(
        make_space(),
        text="How do we make winter streets walkable?",
        is_jam=True,
        opens_at=now - timedelta(hours=19),
        closes_at=now + timedelta(hours=hours_left),
    )


def post_idea(question, participant, title, body="So people can wait warm."):
    viewer = viewer_for(user=None, participant_id=participant.pk)
    return idea_create(question=question, viewer=viewer, title=title, body=body)


def test_a_jam_counts_down_and_shows_new_ideas_and_prompts_without_reload(
    page, live_server, assert_accessible
):
    jam = make_jam()
    host = User.objects.create_user(username="host", password="x", role=Role.RESIDENT, first_name="Jo")
    jam.hosts.add(host)
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    first = post_idea(jam, ana, "Heated bus shelters")
    comment_create(idea=first, viewer=viewer_for(user=None, participant_id=ben.pk), body="Yes, on Western.")
    jam_prompt_post(question=jam, user=host, text="What about snow on the sidewalks?")
    sign_in_browser(page, live_server, ben)

    page.goto(jam.get_absolute_url())
    countdown = page.locator("#jam-countdown")
    assert countdown.is_visible()
    assert re.fullmatch(r"Closes in 2 days, (4|5) hours", countdown.inner_text().replace("\xa0", " "))
    page.get_by_role("button", name="Pause live updates").wait_for()
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")

    post_idea(jam, ana, "Salt bins on every corner", body="Anyone can salt their block.")
    jam_prompt_post(question=jam, user=host, text="And for wheelchairs?")

    activity = page.locator("#jam-activity")
    activity.get_by_role("link", name="Salt bins on every corner").wait_for(timeout=LIVE_WAIT_MS)
    page.locator("#jam-prompts").get_by_text("And for wheelchairs?").wait_for(timeout=LIVE_WAIT_MS)
    assert activity.locator("li").first.inner_text().startswith("New idea")
    assert page.locator("#jam-prompts li").first.inner_text().startswith("And for wheelchairs?")
    assert page.evaluate("window.stillTheSamePage") is True
    assert activity.get_attribute("aria-live") == "polite"
    assert_accessible(page)


def test_a_host_posts_a_prompt_from_the_jam_page(page, live_server, assert_accessible):
    jam = make_jam()
    host = User.objects.create_user(username="host", password="x", role=Role.RESIDENT, first_name="Jo")
    jam.hosts.add(host)
    login_in_browser(page, live_server, host)

    page.goto(jam.get_absolute_url())
    page.get_by_label("New prompt for the jam").fill("Think about people walking to the train.")
    page.get_by_role("button", name="Post prompt").click()

    page.locator("#jam-prompts").get_by_text("Think about people walking to the train.").wait_for()
    assert_accessible(page)


def test_a_closed_jam_s_summary_page_passes_axe(page, live_server, assert_accessible):
    jam = make_jam()
    staff = User.objects.create_user(
        username="parks", password="x", role=Role.DEPARTMENT, department="Chicago Park District"
    )
    ana = make_resident()
    accepted = post_idea(jam, ana, "Heated bus shelters")
    post_idea(jam, ana, "Salt bins on every corner")
    idea_status_change(idea=accepted, status=Idea.Status.ACCEPTED, actor=staff)
    jam_prompt_post(question=jam, user=staff, text="What about snow on the sidewalks?")
    type(jam).objects.filter(pk=jam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))

    page.goto(jam.get_absolute_url())
    assert "This jam has closed." in page.locator("main").inner_text()
    page.get_by_role("link", name="Read the summary of its ideas and their status").click()
    page.wait_for_url("**/summary/")

    assert page.get_by_role("heading", name="All of the city / not about one area").is_visible()
    assert_accessible(page)


def test_similar_ideas_appear_while_typing_a_new_one(page, live_server, assert_accessible):
    question = make_question(make_space())
    benches = post_idea(question, make_resident(), "More benches by the lake", body="Places to sit.")
    sign_in_browser(page, live_server, make_resident("ben@example.org", name="Ben"))

    page.goto(f"{question.get_absolute_url()}new/")
    assert not page.get_by_role("button", name="Check for similar ideas first").is_visible()
    page.get_by_label("Title").press_sequentially("Más bancos junto al lago", delay=20)

    suggestion = page.locator("#similar-ideas").get_by_role("link", name="More benches by the lake")
    suggestion.wait_for()
    assert suggestion.get_attribute("href") == f"/ideas/{benches.pk}/"
    assert page.get_by_role("heading", name="Similar ideas: support one instead?").is_visible()
    assert_accessible(page)
