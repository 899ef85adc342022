"""The registry content apps fill so that moderation works on their content without importing them."""

import pytest

from civicloop.engage.models import Comment, Idea
from civicloop.moderation import reportables
from civicloop.moderation.models import Report


def test_engage_registers_ideas_then_comments_and_the_supports_on_its_questions():
    assert [(r.kind, r.model) for r in reportables.reportables()] == [("idea", Idea), ("comment", Comment)]
    assert reportables.reportable_for(Comment()).kind == "comment"
    assert reportables.question_supports() is not None


def test_deliberation_registers_the_votes_in_its_conversations():
    from civicloop.deliberation.reportables import VOTES

    assert reportables.conversation_votes() is VOTES


@pytest.mark.django_db
def test_looking_for_coordinated_voting_with_nobody_registering_votes_is_refused(monkeypatch):
    from civicloop.moderation.coordinated import coordinated_voting_flag

    monkeypatch.setattr(reportables, "_conversation_votes", [])

    with pytest.raises(LookupError):
        coordinated_voting_flag(conversation_ids=[1])


def test_content_of_a_kind_nobody_registered_is_refused():
    with pytest.raises(LookupError):
        reportables.reportable_for(Report())


def test_the_states_are_the_ones_engage_stores():
    from civicloop.engage.models import ModerationState

    assert set(reportables.STATES) == set(ModerationState.values)
