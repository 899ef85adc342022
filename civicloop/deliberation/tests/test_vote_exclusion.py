"""Votes a moderator excluded after review of coordinated voting: kept, but left out of the analysis."""

from datetime import timedelta

import pytest

from civicloop.deliberation.models import Conversation, Statement
from civicloop.deliberation.selectors import conversation_matrix
from civicloop.deliberation.services import (
    conversation_analyse,
    conversation_join,
    conversation_votes_exclusion_set,
    vote_cast,
)
from civicloop.engage.tests.conftest import make_resident

pytestmark = pytest.mark.django_db


def test_excluded_participants_are_left_out_of_the_matrix_and_counted_and_can_be_put_back():
    conversation = Conversation.objects.create(title="Street trees")
    statements = [
        Statement.objects.create(
            conversation=conversation, external_id=str(n), text=f"S{n}", moderation="accepted"
        )
        for n in range(3)
    ]
    people = [make_resident(f"p{i}@example.org", age=timedelta(days=40)) for i in range(4)]
    for person in people:
        seat = conversation_join(conversation, person)
        for statement in statements:
            vote_cast(seat, statement, 1)

    assert (
        conversation_votes_exclusion_set(
            conversation_id=conversation.pk, resident_ids=[people[0].pk, people[1].pk], excluded=True
        )
        == 2
    )
    assert (
        conversation_votes_exclusion_set(
            conversation_id=conversation.pk, resident_ids=[people[0].pk], excluded=True
        )
        == 0
    )  # a second click changes nothing

    data = conversation_matrix(conversation)
    assert data.matrix.shape == (2, 3) and data.matrix.nnz == 6
    assert (data.excluded_participants, data.excluded_votes) == (2, 6)
    raw = conversation_matrix(conversation, with_excluded=True)  # the record, as the Polis export writes
    assert raw.matrix.shape == (4, 3) and raw.excluded_participants == 0
    result = conversation_analyse(conversation)
    assert (result.excluded_participants, result.excluded_votes, result.votes) == (2, 6, 6)

    conversation_votes_exclusion_set(
        conversation_id=conversation.pk, resident_ids=[people[0].pk, people[1].pk], excluded=False
    )
    assert conversation_matrix(conversation).matrix.shape == (4, 3)
