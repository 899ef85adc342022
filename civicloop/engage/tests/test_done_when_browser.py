"""Issue 5's "done when", walked through in a real browser (Chromium) in the demo city: staff open a
72-hour jam in the staff-only space and a public question in the citywide space; residents sign in,
post, comment, support and follow; a rude post is held, decided by a moderator and its author is
told; an official reply and a status change reach a follower by email. The civility check is the
real model the demo city uses, and the email goes through the delivery engine to a real SMTP server."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from civicloop.delivery.tests.smtp_sink import site_mail
from civicloop.demo.content import DEMO_PASSWORD
from civicloop.engage.models import Comment, Idea, IdeaFollower, ModerationState, Question, Support
from civicloop.engage.tests.conftest import client_for, make_resident
from civicloop.moderation.models import Decision, ModerationCase
from civicloop.places.selectors import community_area_index_clear

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_city(settings, live_server):  # type: ignore[no-untyped-def]
    cache.clear()
    community_area_index_clear()
    with site_mail(settings, live_server.url) as sink:
        call_command("demo", verbosity=0)
        call_command("worker", batch=True)  # the demo's own notifications go out first
        yield sink
    cache.clear()
    community_area_index_clear()


def new_page(chromium, live_server, *, locale="en-US"):  # type: ignore[no-untyped-def]
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def staff_sign_in(chromium, live_server, username):  # type: ignore[no-untyped-def]
    page = new_page(chromium, live_server)
    page.goto("/staff/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")
    return page


def resident_page(chromium, live_server, participant):  # type: ignore[no-untyped-def]
    page = new_page(chromium, live_server)
    cookie = client_for(participant).cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return page


def local_input(moment) -> str:  # type: ignore[no-untyped-def]
    """A datetime-local field's value in the city's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def question_create(page, *, space_title, text, closes_in, jam=False):  # type: ignore[no-untyped-def]
    page.goto("/staff/engage/")
    page.get_by_role("link", name=space_title, exact=True).click()
    opens = timezone.now().replace(second=0, microsecond=0)  # the field has minutes only
    page.get_by_label("Question", exact=True).fill(text)
    page.get_by_label("Opens").fill(local_input(opens))
    page.get_by_label("Closes").fill(local_input(opens + closes_in))
    page.get_by_label("Owner department").fill("Transportation")
    if jam:
        page.get_by_label("This is a jam (a time-boxed brainstorm)").check()
        page.get_by_label("Devon Price (department)").check()  # the department's civil servant hosts it
    page.get_by_role("button", name="Create question").click()
    page.wait_for_selector(".messages")
    return Question.objects.get(text=text)


def post_idea(page, question, title, body):  # type: ignore[no-untyped-def]
    page.goto(f"{question.get_absolute_url()}new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your idea").fill(body)
    page.get_by_role("button", name="Post idea").click()
    page.wait_for_url(re.compile(r".*/ideas/\d+/$"))
    return Idea.objects.get(title=title)


def plain(email) -> str:  # type: ignore[no-untyped-def]
    return email.get_body(("plain",)).get_content()


def test_the_demo_city_runs_a_jam_and_a_public_question_from_post_to_official_answer(
    chromium, live_server, demo_city
):
    sink = demo_city

    # Communications staff open a 72-hour jam for civil servants and a public question.
    comms = staff_sign_in(chromium, live_server, "comms")
    jam = question_create(
        comms,
        space_title="City staff",
        text="How could crews reach a reported pothole sooner?",
        closes_in=timedelta(hours=72),
        jam=True,
    )
    public = question_create(
        comms,
        space_title="Citywide",
        text="Where should the city add protected bike lanes?",
        closes_in=timedelta(days=30),
    )
    assert jam.is_jam and jam.space.visibility == "staff" and jam.hosts.filter(username="department").exists()
    assert jam.closes_at - jam.opens_at == timedelta(hours=72)
    assert not public.is_jam and public.space.visibility == "public"

    # A civil servant posts in the jam and sees its countdown; a resident is refused at the door.
    devon = staff_sign_in(chromium, live_server, "department")
    devon.goto(jam.get_absolute_url())
    assert devon.locator("#jam-countdown").inner_text().startswith("Closes in 2 days, 23 hours")
    post_idea(devon, jam, "Photos in every report", "Ask for a photo so the crew brings the right mix.")
    outsider = new_page(chromium, live_server)
    assert outsider.goto(jam.get_absolute_url()).status == 403

    # Ana signs in with a link sent to her email (no password) and posts an idea.
    ana = new_page(chromium, live_server)
    ana.goto(f"/ideas/sign-in/?next={public.get_absolute_url()}")
    ana.get_by_label("Your name, as shown with your posts").fill("Ana")
    ana.get_by_label("Email address or mobile number").fill("ana@example.org")
    ana.get_by_role("button", name="Send me a link").click()
    ana.wait_for_selector("h1")
    call_command("worker", batch=True)
    [link_email] = sink.to("ana@example.org")
    link = re.search(rf"{re.escape(live_server.url)}/ideas/sign-in/\S+", plain(link_email))
    assert link is not None
    ana.goto(link.group(0))
    ana.get_by_role("button", name="Sign in and take part").click()
    idea = post_idea(
        ana, public, "Milwaukee Avenue", "A protected lane from Logan Square to downtown, please."
    )
    assert idea.moderation_state == ModerationState.PUBLISHED

    # Ben comments, supports and follows the idea.
    ben = resident_page(chromium, live_server, make_resident("ben@example.org", name="Ben"))
    ben.goto(f"/ideas/{idea.pk}/")
    ben.get_by_label("Your comment").fill("Yes, and a safe crossing at Damen.")
    ben.get_by_role("button", name="Post comment").click()
    ben.wait_for_selector("text=Yes, and a safe crossing at Damen.")
    ben.get_by_role("button", name="Support this idea").click()
    ben.wait_for_selector("text=You support this idea.")
    ben.get_by_role("button", name="Follow: get an update on each change").click()
    ben.wait_for_selector("text=Stop following")
    assert Comment.objects.filter(idea=idea, moderation_state=ModerationState.PUBLISHED).count() == 1
    assert Support.objects.filter(idea=idea).count() == 1
    assert IdeaFollower.objects.filter(
        idea=idea, stopped_at__isnull=True, participant__display_name="Ben"
    ).exists()

    # Carla's rude post is held; she sees why; the public does not see it.
    carla = resident_page(chromium, live_server, make_resident("carla@example.org", name="Carla"))
    rude = post_idea(
        carla, public, "Useless", "You are all idiots and morons, shut up and do your stupid job."
    )
    assert rude.moderation_state == ModerationState.HELD
    carla.wait_for_selector(".notice[role=status]")
    outsider.goto(public.get_absolute_url())
    assert "Useless" not in outsider.content() and "Milwaukee Avenue" in outsider.content()

    # The moderator rejects it with a reason; Carla is told by email.
    moderator = staff_sign_in(chromium, live_server, "moderator")
    moderator.goto("/staff/moderation/")
    case = ModerationCase.objects.get(idea=rude, comment__isnull=True)
    moderator.get_by_role("link", name=f"Case {case.pk}", exact=True).click()
    moderator.get_by_label("Reject: remove it from the site").check()
    moderator.get_by_label("Reason (for a rejection or an edit)").select_option("uncivil")
    moderator.get_by_label("Note to the author").fill("Please criticise the work, not the people.")
    moderator.get_by_role("button", name="Save the decision").click()
    moderator.wait_for_selector(".messages")
    assert Decision.objects.get(case=case).action == "reject"
    call_command("worker", batch=True)
    [decision_email] = [email for email in sink.to("carla@example.org") if "Useless" in email["Subject"]]
    assert decision_email["Subject"].startswith("Your post was removed")
    assert "Please criticise the work, not the people." in plain(decision_email)

    # The department answers officially and accepts the idea; Ben, who follows it, gets both by email.
    devon.goto(f"/staff/engage/ideas/{idea.pk}/")
    devon.get_by_label("Official reply").fill("We will study Milwaukee Avenue in the 2027 bike plan.")
    devon.get_by_role("button", name="Post official reply").click()
    devon.wait_for_url(f"**/ideas/{idea.pk}/")  # the reply, as residents see it
    devon.wait_for_selector(".messages")
    devon.goto(f"/staff/engage/ideas/{idea.pk}/")
    devon.get_by_label("Accepted").check()
    devon.get_by_role("button", name="Change status").click()
    devon.wait_for_selector(".messages")
    call_command("worker", batch=True)
    # (A long non-ASCII subject comes folded; unfolding leaves a space in front: strip it.)
    subjects = sorted(
        email["Subject"].strip() for email in sink.to("ben@example.org") if "Milwaukee" in email["Subject"]
    )
    assert subjects == [
        "Idea update: Accepted · Milwaukee Avenue",
        "Official response — Transportation · Milwaukee Avenue",
    ]
    reply = next(email for email in sink.to("ben@example.org") if "Official" in email["Subject"])
    assert "2027 bike plan" in plain(reply)
    ana_subjects = [email["Subject"].strip() for email in sink.to("ana@example.org")]
    assert "Idea update: Accepted · Milwaukee Avenue" in ana_subjects  # the author hears too

    outsider.goto(f"/ideas/{idea.pk}/")
    assert "Official response — Transportation" in outsider.content() and "Accepted" in outsider.content()
    for page in (comms, devon, outsider, ana, ben, carla, moderator):
        page.context.close()
