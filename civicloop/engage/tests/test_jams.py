"""Jams: countdown, host prompts, the live-update fragment, read-only once closed, and the summary page."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.announcements.tests.factories import make_area
from civicloop.engage.models import Comment, Idea, JamPrompt, Space
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import (
    EngageRefused,
    comment_create,
    idea_create,
    idea_status_change,
    jam_prompt_post,
)
from civicloop.engage.tests.conftest import HOLD_WORD, client_for, make_question, make_resident, make_space

pytestmark = pytest.mark.django_db


def make_jam(space=None, *, hours_left: float = 53, **overrides):
    now = timezone.now()
    return make_question(
        space or make_space(),
        text="How do we make winter streets walkable?",
        is_jam=True,
        opens_at=overrides.pop("opens_at", now - timedelta(hours=19)),
        closes_at=now + timedelta(hours=hours_left),
        **overrides,
    )


def post_idea(question, participant, title="Heated bus shelters", body="So people can wait warm.", **extra):
    viewer = viewer_for(user=None, participant_id=participant.pk)
    return idea_create(question=question, viewer=viewer, title=title, body=body, **extra)


def post_comment(idea, participant, body="Yes, on Western Avenue first."):
    return comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=participant.pk), body=body)


def live_url(question, **cursor):
    query = "&".join(f"{name}={value}" for name, value in cursor.items())
    return f"{question.get_absolute_url()}live/?{query}"


def cursor_of(html):
    """The cursor a page or fragment hands to the script: (prompt, idea, comment)."""
    found = re.search(r'data-prompt="(\d+)" data-idea="(\d+)" data-comment="(\d+)"', html)
    assert found is not None
    return tuple(int(part) for part in found.groups())


@pytest.fixture
def host(db):
    return User.objects.create_user(username="jam.host", password="x", role=Role.RESIDENT, first_name="Jo")


@pytest.fixture
def jam(host):
    question = make_jam()
    question.hosts.add(host)
    return question


# ----------------------------------------------------------------------------------------- the jam page


def test_the_jam_page_shows_a_countdown_that_works_without_javascript(jam):
    html = Client().get(jam.get_absolute_url()).content.decode()

    assert "Closes in" in html and 'id="jam-countdown"' in html
    assert f'<time datetime="{timezone.localtime(jam.closes_at).isoformat()}' in html.replace(".000000", "")
    assert "2\xa0days, 4\xa0hours" in html or "2\xa0days, 5\xa0hours" in html
    assert "civicloop/jam-live.js" in html


def test_a_plain_question_has_no_jam_parts(question):
    html = Client().get(question.get_absolute_url()).content.decode()

    assert "jam-live" not in html and "Closes in" not in html


def test_the_jam_page_lists_new_ideas_and_comments_newest_first(jam):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    idea = post_idea(jam, ana)
    post_comment(idea, ben, body="Ben's comment")

    html = Client().get(jam.get_absolute_url()).content.decode()

    activity = html.split('id="jam-activity"')[1]
    assert activity.index("Ben&#x27;s comment") < activity.index("New idea")
    assert cursor_of(html) == (0, idea.pk, Comment.objects.get().pk)


# ------------------------------------------------------------------------------------------- prompts


def test_a_host_posts_a_prompt_and_it_shows_on_top_newest_first(jam, host):
    client = Client()
    client.force_login(host)
    jam_prompt_post(question=jam, user=host, text="What about snow on the sidewalks?")

    response = client.post(f"{jam.get_absolute_url()}prompts/", {"text": "And bike lanes in winter?"})

    assert response.status_code == 302
    html = client.get(jam.get_absolute_url()).content.decode()
    prompts = html.split('id="jam-prompts"')[1]
    assert prompts.index("And bike lanes in winter?") < prompts.index("What about snow on the sidewalks?")
    assert JamPrompt.objects.filter(host=host, host_name="Jo").count() == 2
    assert "New prompt for the jam" in html  # the host sees the form


def test_engagement_staff_may_prompt_in_any_jam(jam, staff_member):
    prompt = jam_prompt_post(question=jam, user=staff_member, text="Think about older people.")

    assert prompt.host_name == "Pat Officer"


def test_someone_who_is_not_a_host_cannot_prompt(jam):
    resident_user = User.objects.create_user(username="someone", password="x", role=Role.RESIDENT)
    client = Client()
    client.force_login(resident_user)

    response = client.post(f"{jam.get_absolute_url()}prompts/", {"text": "Buy my product"})

    assert response.status_code == 403 and not JamPrompt.objects.exists()
    assert "New prompt for the jam" not in client.get(jam.get_absolute_url()).content.decode()


def test_an_empty_prompt_is_a_form_error(jam, host):
    client = Client()
    client.force_login(host)

    response = client.post(f"{jam.get_absolute_url()}prompts/", {"text": "  "})

    assert response.status_code == 400 and "Write the prompt." in response.content.decode()


def test_prompts_are_only_for_jams_that_are_running(host):
    closed = make_jam(hours_left=-1, opens_at=timezone.now() - timedelta(days=3))
    closed.hosts.add(host)

    with pytest.raises(EngageRefused):
        jam_prompt_post(question=closed, user=host, text="Too late")
    with pytest.raises(EngageRefused):
        jam_prompt_post(question=make_question(make_space(title="Roads")), user=host, text="Not a jam")


# ------------------------------------------------------------------------------------------ live updates


def test_the_live_fragment_brings_only_what_is_newer_than_the_cursor(jam, host):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    seen = post_idea(jam, ana, title="Seen already")
    cursor = cursor_of(Client().get(jam.get_absolute_url()).content.decode())
    new_idea = post_idea(jam, ben, title="Salt bins on every corner")
    post_comment(seen, ben, body="Good one")
    jam_prompt_post(question=jam, user=host, text="What about the lakefront?")

    response = Client().get(live_url(jam, prompt=cursor[0], idea=cursor[1], comment=cursor[2]))

    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert "Salt bins on every corner" in html and "Good one" in html and "What about the lakefront?" in html
    assert "Seen already</a> ·" not in html  # the idea itself is not sent again, only the comment on it
    assert 'data-open="true"' in html
    newest = (JamPrompt.objects.get().pk, new_idea.pk, Comment.objects.get().pk)
    assert cursor_of(html) == newest
    nothing_new = Client().get(live_url(jam, prompt=newest[0], idea=newest[1], comment=newest[2]))
    assert (
        cursor_of(nothing_new.content.decode()) == newest and "jam-item" not in nothing_new.content.decode()
    )


def test_the_live_fragment_never_shows_someone_else_s_held_idea_or_comments_on_it(jam):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    held = post_idea(jam, ana, title=f"You are all {HOLD_WORD}")
    Comment.objects.create(
        idea=held,
        author=ben,
        body="A reply on a held idea",
        created_at=timezone.now(),
        moderation_state="published",
    )

    as_ben = client_for(ben).get(live_url(jam)).content.decode()
    as_ana = client_for(ana).get(live_url(jam)).content.decode()

    assert HOLD_WORD not in as_ben and "A reply on a held idea" not in as_ben
    assert HOLD_WORD in as_ana and "Held for review: only you can see it" in as_ana


def test_a_closed_jam_tells_the_script_to_stop(jam):
    type(jam).objects.filter(pk=jam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))

    html = Client().get(live_url(jam)).content.decode()

    assert 'data-open="false"' in html


def test_the_live_fragment_is_only_for_jams_and_their_readers(question):
    staff_only_jam = make_jam(make_space(visibility=Space.Visibility.STAFF, title="Staff"))

    assert Client().get(live_url(question)).status_code == 404
    assert Client().get(live_url(staff_only_jam)).status_code == 403
    assert Client().get(f"{staff_only_jam.get_absolute_url()}summary/").status_code == 403


# Live fragment: question, session, participant, prompts, ideas, comments.
LIVE_QUERIES = 6


def test_the_live_fragment_takes_the_same_queries_for_1_or_15_new_posts(jam, host, django_assert_num_queries):
    ana, cy = make_resident(), make_resident("cy@example.org", name="Cy")
    client = client_for(make_resident("ben@example.org", name="Ben"))
    post_comment(post_idea(jam, ana), ana)
    with django_assert_num_queries(LIVE_QUERIES):
        client.get(live_url(jam))
    for n in range(5):
        idea = post_idea(jam, ana, title=f"Idea {n}")
        post_comment(idea, cy, body=f"Comment {n}")
        jam_prompt_post(question=jam, user=host, text=f"Prompt {n}")

    with django_assert_num_queries(LIVE_QUERIES):
        response = client.get(live_url(jam))

    assert response.content.decode().count('class="jam-item"') == 12


# ------------------------------------------------------------------------------------ closed: read-only


def test_a_closed_jam_is_read_only_and_links_its_summary(jam, host):
    ana = make_resident()
    idea = post_idea(jam, ana)
    type(jam).objects.filter(pk=jam.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client = client_for(ana)

    page = client.get(jam.get_absolute_url()).content.decode()
    new_idea = client.post(f"{jam.get_absolute_url()}new/", {"title": "Late", "body": "Too late."})
    comment = client.post(f"/ideas/{idea.pk}/comments/", {"body": "Late comment"})
    support = client.post(f"/ideas/{idea.pk}/support/")
    host_client = Client()
    host_client.force_login(host)
    prompt = host_client.post(f"{jam.get_absolute_url()}prompts/", {"text": "Late prompt"})

    assert "This jam has closed." in page and f"{jam.get_absolute_url()}summary/" in page
    assert new_idea.status_code == comment.status_code == support.status_code == prompt.status_code == 403
    assert Idea.objects.count() == 1 and not Comment.objects.exists() and not JamPrompt.objects.exists()


# ------------------------------------------------------------------------------------------- summary


def make_summary_ideas(jam, staff_member, *, count_per_area: int = 1):
    lakeview, pilsen = make_area(6, "Lake View"), make_area(31, "Lower West Side")
    ideas = []
    for n in range(count_per_area):
        ana = make_resident(f"ana{n}-{Idea.objects.count()}@example.org")  # one person posts only so fast
        ideas.append(post_idea(jam, ana, title=f"Citywide {n}"))
        ideas.append(post_idea(jam, ana, title=f"Lake View {n}", community_area=lakeview))
        ideas.append(post_idea(jam, ana, title=f"Pilsen {n}", community_area=pilsen))
    idea_status_change(idea=ideas[1], status=Idea.Status.ACCEPTED, actor=staff_member)
    idea_status_change(idea=ideas[2], status=Idea.Status.NOT_PLANNED, reason="No budget.", actor=staff_member)
    return ideas


def test_the_summary_lists_ideas_by_community_area_with_their_official_status(jam, staff_member):
    make_summary_ideas(jam, staff_member)
    post_idea(jam, make_resident("cy@example.org", name="Cy"), title=f"Held {HOLD_WORD}")

    html = Client().get(f"{jam.get_absolute_url()}summary/").content.decode()

    order = [html.index(heading) for heading in ("All of the city", "Lake View</h3>", "Lower West Side</h3>")]
    assert order == sorted(order)
    lake_view = html.split("Lake View</h3>")[1].split("</section>")[0]
    assert "Lake View 0" in lake_view and '<span class="tag">Accepted</span>' in lake_view
    assert "No budget." in html and "3 ideas were posted." in html
    assert HOLD_WORD not in html
    assert '<th scope="row">Accepted</th><td>1</td>' in html


# Summary: question, prompts, ideas (no session: an anonymous reader).
SUMMARY_QUERIES = 3


def test_the_summary_takes_the_same_queries_for_3_or_15_ideas(jam, staff_member, django_assert_num_queries):
    make_summary_ideas(jam, staff_member)
    with django_assert_num_queries(SUMMARY_QUERIES):
        Client().get(f"{jam.get_absolute_url()}summary/")
    make_summary_ideas(jam, staff_member, count_per_area=4)

    with django_assert_num_queries(SUMMARY_QUERIES):
        response = Client().get(f"{jam.get_absolute_url()}summary/")

    assert response.content.decode().count('<li class="card">') == 15
