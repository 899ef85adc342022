"""The votes in deliberation's conversations as moderation sees them, for its look for coordinated
voting and a moderator's exclusion of a group's votes: registered from DeliberationConfig.ready(), so
that moderation works on them without importing deliberation (civicloop.moderation.reportables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from civicloop.deliberation.models import Conversation, ConversationParticipant, Statement, Vote
from civicloop.moderation import reportables


def _conversations(ids: list[int] | None) -> QuerySet[Conversation]:
    if ids is None:
        return Conversation.objects.filter(status=Conversation.Status.OPEN).order_by("id")
    return Conversation.objects.filter(pk__in=ids).order_by("id")


def _participants(conversation: Conversation, exclude: Any) -> list[tuple[int, int, datetime, datetime]]:
    return list(
        ConversationParticipant.objects.filter(
            conversation=conversation, resident__isnull=False, resident__user__isnull=True
        )
        .exclude(exclude)
        .order_by("id")
        .values_list("id", "resident_id", "resident__created_at", "created_at")
    )


def _votes(conversation: Conversation) -> list[tuple[int, int, int]]:
    return list(
        Vote.objects.filter(conversation=conversation, participant__resident__isnull=False)
        .order_by()
        .values_list("participant_id", "statement_id", "value")
    )


def _statement_texts(conversation_id: int, numbers: list[str]) -> dict[str, str]:
    return dict(
        Statement.objects.filter(conversation_id=conversation_id, external_id__in=numbers).values_list(
            "external_id", "text"
        )
    )


def _exclusion_set(conversation_id: int, resident_ids: list[int], excluded: bool, now: datetime) -> int:
    # Local: deliberation's services load the analysis (scipy), which no process should pay at start-up.
    from civicloop.deliberation.services import conversation_votes_exclusion_set

    return conversation_votes_exclusion_set(
        conversation_id=conversation_id, resident_ids=resident_ids, excluded=excluded, now=now
    )


VOTES = reportables.ConversationVotes(
    conversations=_conversations,
    participants=_participants,
    votes=_votes,
    statement_numbers=lambda conversation, ids: dict(
        conversation.statements.filter(pk__in=ids).values_list("pk", "external_id")
    ),
    statement_texts=_statement_texts,
    vote_labels=lambda: {int(value): str(label) for value, label in Vote.Value.choices},
    exclusion_set=_exclusion_set,
)


def register() -> None:
    """Called from DeliberationConfig.ready()."""
    reportables.conversation_votes_register(VOTES)
