"""Deliberation's statements as moderation's reportables (residents report one, three reports hide it, a
moderator's decision restores or removes it), and the votes in its conversations as moderation sees
them, for its look for coordinated voting and a moderator's exclusion of a group's votes: registered
from DeliberationConfig.ready(), so that moderation works on them without importing deliberation
(civicloop.moderation.reportables)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civicloop.deliberation.models import (
    STATEMENT_MAX_LENGTH,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)
from civicloop.engage.models import Participant
from civicloop.moderation import reportables

# A statement's own states (Polis's accepted / held / rejected, and hidden after reports) as moderation
# names them: a moderator's rejection is Polis's −1.
STATE_OF_MODERATION = {
    Statement.Moderation.ACCEPTED: reportables.PUBLISHED,
    Statement.Moderation.HELD: reportables.HELD,
    Statement.Moderation.HIDDEN: reportables.HIDDEN,
    Statement.Moderation.REJECTED: reportables.REMOVED,
}
MODERATION_OF_STATE = {state: moderation for moderation, state in STATE_OF_MODERATION.items()}


def _statement_state_store(statement: Statement, state: str) -> None:
    moderation = MODERATION_OF_STATE[state]
    Statement.objects.filter(pk=statement.pk).update(moderation=moderation)
    statement.moderation = moderation


def _statement_state_changed(statement: Statement, before: str, after: str) -> None:
    """The analysis leaves removed statements out: a removal or a restoring asks for a new one."""
    if reportables.REMOVED in (before, after) and statement.votes.exists():
        from civicloop.deliberation.services import conversation_analysis_request  # local: loads scipy

        transaction.on_commit(partial(conversation_analysis_request, statement.conversation_id), robust=True)


def _statement_author_id(statement: Statement) -> int | None:
    """The resident behind the statement's seat (None for a statement imported from Polis)."""
    if statement.author_id is None:
        return None
    return statement.author.resident_id  # type: ignore[union-attr]


def _statement_author(statement: Statement) -> Participant | None:
    resident_id = _statement_author_id(statement)
    if resident_id is None:
        return None
    return Participant.objects.select_related("contact_point__subscriber").get(pk=resident_id)


def _statement_edit(statement: Statement, title: str, body: str, moment: datetime) -> None:
    raise ValueError("A statement people vote on is not edited: moderation refuses edits (editable=False).")


def _statements_described(cases: list[Any]) -> dict[int, reportables.Described]:
    """One query for the statements of these cases, with their conversation and seat."""
    statements = Statement.objects.select_related("conversation", "author").in_bulk(
        [case.content_id for case in cases]
    )
    described = {}
    for case in cases:
        statement = statements[case.content_id]
        number = statement.author.external_id if statement.author is not None else "?"
        described[case.pk] = reportables.Described(
            label=_("Statement"),
            heading=_("The statement"),
            yours=_("Your statement"),
            title="",
            body=statement.text,
            author_name=_("Participant %(number)s") % {"number": number},
            path=statement.conversation.get_absolute_url(),
            context=statement.conversation.title,
            where=_("In the conversation “%(title)s”") % {"title": statement.conversation.title},
            state_label=statement.get_moderation_display(),
        )
    return described


STATEMENT = reportables.Reportable(
    kind="statement",
    model=Statement,
    case_fields=lambda statement: {},
    text=lambda statement: ("", statement.text),
    has_title=False,
    body_max=STATEMENT_MAX_LENGTH,
    edit=_statement_edit,
    state_changed=_statement_state_changed,
    author=_statement_author,
    notice=lambda statement: {
        "what": "statement",
        "is_comment": False,
        "idea_title": statement.conversation.title,
        "idea_path": statement.conversation.get_absolute_url(),
    },
    listed=lambda states: list(
        Statement.objects.filter(moderation__in=[MODERATION_OF_STATE[state] for state in states])
        .select_related("conversation", "author")
        .order_by("id")
    ),
    export_place=lambda statement: (None, statement.conversation.title, ""),
    described=_statements_described,
    editable=False,
    state=lambda statement: STATE_OF_MODERATION[statement.moderation],
    state_store=_statement_state_store,
    author_id=_statement_author_id,
)


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
    """Called from DeliberationConfig.ready(): after engage's kinds (the export lists them first)."""
    reportables.reportable_register(STATEMENT)
    reportables.conversation_votes_register(VOTES)
