"""What every post goes through (services.civility, services.posting): the civility check
holds and never rejects; each person's pace."""

from datetime import timedelta

import pytest

from civicloop.engage.models import Comment, ModerationState
from civicloop.engage.selectors import question_ideas, viewer_for
from civicloop.engage.services import PostingLimitReached, comment_create
from civicloop.engage.tests.conftest import as_viewer, make_resident, post

pytestmark = pytest.mark.django_db


def test_the_civility_check_holds_a_post_and_never_rejects_it(question):
    ana = make_resident()

    idea = post(question, ana, body="Only idiots would skip this.")

    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.HELD
    assert (idea.held_reasons, idea.civility_score) == (["uncivil"], pytest.approx(0.9))
    others = question_ideas(question=question, viewer=viewer_for(user=None, participant_id=None), sort="fair")
    assert list(question_ideas(question=question, viewer=as_viewer(ana), sort="fair")) == [idea]
    assert list(others) == []


def test_new_accounts_may_post_only_a_few_times_on_their_first_day(question):
    newcomer = make_resident("new@example.org", name="New", age=timedelta(hours=2))
    idea = post(question, newcomer)
    comment_create(idea=idea, viewer=as_viewer(newcomer), body="One")
    comment_create(idea=idea, viewer=as_viewer(newcomer), body="Two")

    with pytest.raises(PostingLimitReached):
        comment_create(idea=idea, viewer=as_viewer(newcomer), body="Three")

    assert Comment.objects.count() == 2


def test_one_person_is_slowed_down_after_many_posts(question):
    ana = make_resident()
    idea = post(question, ana)
    for number in range(9):
        comment_create(idea=idea, viewer=as_viewer(ana), body=f"Comment {number}")

    with pytest.raises(PostingLimitReached):
        comment_create(idea=idea, viewer=as_viewer(ana), body="One too many")
