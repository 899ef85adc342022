"""Ideas (services.ideas): posting to an open question, edits with history, the fair rotation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from civicloop.engage.models import ROTATION_ENOUGH_VIEWS, Idea, IdeaRevision, IdeaStatusChange
from civicloop.engage.selectors import question_ideas, viewer_for
from civicloop.engage.services import EngageInvalid, EngageRefused, idea_edit, ideas_shown_count
from civicloop.engage.tests.conftest import as_viewer, make_question, make_resident, post

pytestmark = pytest.mark.django_db


def test_a_confirmed_resident_posts_an_idea_that_starts_under_consideration(question):
    ana = make_resident()

    idea = post(question, ana)

    idea.refresh_from_db()
    assert (idea.author, idea.status, idea.moderation_state) == (ana, "under_consideration", "published")
    assert idea.held_reasons == [] and idea.civility_score == pytest.approx(0.05)
    assert list(IdeaStatusChange.objects.filter(idea=idea).values_list("status", flat=True)) == [
        "under_consideration"
    ]


def test_empty_or_oversized_text_is_refused_and_nothing_stored(question):
    ana = make_resident()

    with pytest.raises(EngageInvalid) as empty:
        post(question, ana, title="   ")
    with pytest.raises(EngageInvalid) as long_body:
        post(question, ana, body="x" * 5001)

    assert (empty.value.field, long_body.value.field) == ("title", "body")
    assert not Idea.objects.exists()


def test_a_closed_or_not_yet_open_question_refuses_ideas(question):
    ana = make_resident()
    now = timezone.now()
    closed = make_question(question.space, text="Last year", opens_at=now - timedelta(days=9), closes_at=now)
    future = make_question(question.space, text="Next year", opens_at=now + timedelta(days=1))

    for target in (closed, future):
        with pytest.raises(EngageRefused):
            post(target, ana)

    assert not Idea.objects.exists()


def test_the_author_edits_within_15_minutes_and_the_old_text_is_kept(question):
    ana = make_resident()
    idea = post(question, ana)

    idea_edit(idea=idea, viewer=as_viewer(ana), title="Shade trees", body="Plant oaks.")

    idea.refresh_from_db()
    assert (idea.title, idea.body, idea.edited_at is not None) == ("Shade trees", "Plant oaks.", True)
    assert list(IdeaRevision.objects.values_list("title", "body")) == [
        ("More shade trees", "Plant trees along the path.")
    ]


def test_editing_later_or_by_someone_else_is_refused(question):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    idea = post(question, ana)

    with pytest.raises(EngageRefused):
        idea_edit(idea=idea, viewer=as_viewer(ben), title="Mine now", body="Mine")
    with pytest.raises(EngageRefused):
        idea_edit(
            idea=idea,
            viewer=as_viewer(ana),
            title="Late",
            body="Late",
            now=timezone.now() + timedelta(minutes=16),
        )

    assert not IdeaRevision.objects.exists()


def test_fair_rotation_shows_the_least_seen_ideas_first_and_counts_what_it_showed(question):
    ana = make_resident()
    ideas = [post(question, ana, title=f"Idea {n}") for n in range(3)]
    Idea.objects.filter(pk=ideas[0].pk).update(rotation_views=5, supports_count=500)
    Idea.objects.filter(pk=ideas[1].pk).update(rotation_views=2)
    anyone = viewer_for(user=None, participant_id=None)

    shown = list(question_ideas(question=question, viewer=anyone, sort="fair"))
    ideas_shown_count([idea.pk for idea in shown[:2]])

    assert [idea.pk for idea in shown] == [ideas[2].pk, ideas[1].pk, ideas[0].pk]
    views = dict(Idea.objects.values_list("pk", "rotation_views"))
    assert (views[ideas[2].pk], views[ideas[1].pk], views[ideas[0].pk]) == (1, 3, 5)


def test_fair_rotation_breaks_ties_at_random_and_reshuffles_what_it_showed(question):
    ana = make_resident()
    for n in range(6):
        post(question, ana, title=f"Idea {n}")
    anyone = viewer_for(user=None, participant_id=None)

    orders = set()
    for _ in range(20):
        shown = list(
            question_ideas(question=question, viewer=anyone, sort="fair").values_list("pk", flat=True)
        )
        orders.add(tuple(shown))
        ideas_shown_count(shown)  # every idea shown once more: all stay equal, in a new random order

    assert len(orders) > 1
    assert set(Idea.objects.values_list("rotation_views", flat=True)) == {20}


def test_fair_rotation_counts_views_only_until_ideas_have_been_seen_enough(question):
    ana = make_resident()
    ideas = [post(question, ana, title=f"Idea {n}") for n in range(2)]
    Idea.objects.update(rotation_views=ROTATION_ENOUGH_VIEWS)

    ideas_shown_count([ideas[0].pk])

    assert set(Idea.objects.values_list("rotation_views", flat=True)) == {ROTATION_ENOUGH_VIEWS}
    keys = set(Idea.objects.values_list("rotation_key", flat=True))
    assert len(keys) == 2 and all(0 <= key < 1 for key in keys)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is benchmarked")
def test_the_fair_order_is_read_from_its_index_without_sorting(question):
    anyone = viewer_for(user=None, participant_id=None)
    ideas = question_ideas(question=question, viewer=anyone, sort="fair")[:20]

    plan = ideas.explain()

    assert "engage_idea_fair_idx" in plan and "TEMP B-TREE" not in plan
