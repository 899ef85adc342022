"""A resident's place in a conversation and their agree / disagree / pass votes."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError
from civicloop.deliberation.models import (
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)
from civicloop.deliberation.services.mapping import conversation_analysis_request
from civicloop.engage.models import Participant


def conversation_join(conversation: Conversation, resident: Participant) -> ConversationParticipant:
    """The resident's place in the conversation, created with the next anonymous number if new."""
    existing = ConversationParticipant.objects.filter(conversation=conversation, resident=resident).first()
    if existing is not None:
        return existing
    for _attempt in range(3):
        numbers = ConversationParticipant.objects.filter(conversation=conversation).values_list(
            "external_id", flat=True
        )
        next_number = max((int(n) for n in numbers if n.isdigit()), default=-1) + 1
        try:
            with transaction.atomic():
                return ConversationParticipant.objects.create(
                    conversation=conversation, resident=resident, external_id=str(next_number)
                )
        except IntegrityError:
            existing = ConversationParticipant.objects.filter(
                conversation=conversation, resident=resident
            ).first()
            if existing is not None:
                return existing
    raise DomainError(_("Could not join the conversation; please try again."))


def vote_cast(
    participant: ConversationParticipant, statement: Statement, value: int, *, now: datetime | None = None
) -> Vote:
    """Agree (1), disagree (−1) or pass (0); a second vote on the same statement replaces the first."""
    if value not in (-1, 0, 1):
        raise DomainError(_("A vote is agree, disagree or pass."), field="value")
    if statement.conversation_id != participant.conversation_id:
        raise DomainError(_("This statement belongs to another conversation."), field="statement")
    conversation = Conversation.objects.only("status").get(pk=statement.conversation_id)
    if conversation.status != Conversation.Status.OPEN:
        raise DomainError(_("This conversation is closed: it no longer takes votes."))
    moderation = Statement.objects.values_list("moderation", flat=True).get(pk=statement.pk)
    if moderation == Statement.Moderation.REJECTED:
        raise DomainError(
            _("This statement was removed by moderation and takes no votes."), field="statement"
        )
    Vote.objects.bulk_create(
        [
            Vote(
                conversation_id=statement.conversation_id,
                participant=participant,
                statement=statement,
                value=value,
                created_at=now or timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["participant", "statement"],
        update_fields=["value", "created_at"],
    )
    return Vote.objects.get(participant=participant, statement=statement)


def resident_vote(
    *, conversation: Conversation, resident: Participant, statement_id: int, value: int
) -> Vote:
    """A resident's vote from the conversation page: joins them if new and casts it, all or nothing
    (a refused vote leaves no new participant behind)."""
    statement = Statement.objects.filter(conversation=conversation, pk=statement_id).first()
    if statement is None:
        raise DomainError(_("This statement is not part of this conversation."), field="statement")
    if statement.moderation in (Statement.Moderation.HELD, Statement.Moderation.HIDDEN):  # never shown
        raise DomainError(
            _("This statement is waiting for a moderator and takes no votes yet."), field="statement"
        )
    with transaction.atomic():
        vote = vote_cast(conversation_join(conversation, resident), statement, value)
        # After commit, outside the vote's transaction: the flag's update never holds up other votes,
        # and a task queue that is down never fails a vote (robust: logged; the request is retried
        # by a later vote once ANALYSIS_LOST_AFTER has passed).
        transaction.on_commit(partial(conversation_analysis_request, conversation.pk), robust=True)
    return vote


def conversation_votes_exclusion_set(
    *, conversation_id: int, resident_ids: list[int], excluded: bool, now: datetime | None = None
) -> int:
    """Leave these residents' votes out of the conversation's analysis (or put them back), after a
    moderator's review of coordinated voting; the votes are kept. Asks for a new analysis on commit.

    Returns how many participants changed (0 when nothing did: a repeated click changes nothing).
    """
    participants = ConversationParticipant.objects.filter(
        conversation_id=conversation_id, resident_id__in=resident_ids
    )
    if excluded:
        changed = participants.filter(excluded_at__isnull=True).update(excluded_at=now or timezone.now())
    else:
        changed = participants.filter(excluded_at__isnull=False).update(excluded_at=None)
    if changed:
        transaction.on_commit(partial(conversation_analysis_request, conversation_id), robust=True)
    return changed
