"""A moderator's decision on a case: leave the group's votes (or supports) out of the analysis, keep
them, or undo either; all or nothing, and nothing is deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError
from civicloop.moderation.models import AuditEvent, CoordinatedVotingCase
from civicloop.moderation.reportables import conversation_votes, question_supports


class CoordinatedCaseAlreadyDecided(DomainError):
    """The case moved on meanwhile (another moderator, another tab): nothing was done."""


def _decide(
    *, case_id: int, moderator: Any, states: tuple[str, ...], to: str, kind: str, now: datetime | None
) -> CoordinatedVotingCase:
    """Move the case from one of `states` to `to`, applying or lifting the exclusion, all or nothing."""
    moment = now or timezone.now()
    with transaction.atomic():
        case = CoordinatedVotingCase.objects.select_for_update().get(pk=case_id)
        if case.state not in states:
            raise CoordinatedCaseAlreadyDecided(
                _("This case was decided already. Nothing was changed; here is where it stands.")
            )
        was_excluded = case.state == CoordinatedVotingCase.State.EXCLUDED
        case.state = to
        case.decided_at = None if to == CoordinatedVotingCase.State.OPEN else moment
        case.decided_by = None if to == CoordinatedVotingCase.State.OPEN else moderator
        case.save(update_fields=["state", "decided_at", "decided_by"])
        excluded = to == CoordinatedVotingCase.State.EXCLUDED
        if excluded != was_excluded:
            ids = list(case.members.values_list("participant_id", flat=True))
            if case.conversation_id is not None:
                conversation_votes().exclusion_set(case.conversation_id, ids, excluded, moment)
            elif case.question_id is not None:
                question_supports().recount(case.question_id, ids)  # engage's support counts
        AuditEvent.objects.create(
            kind=kind,
            actor=moderator if getattr(moderator, "pk", None) else None,
            detail={"coordinated_case": case.pk, "accounts": case.accounts, "votes": case.votes},
            created_at=moment,
        )
    return case


def coordinated_case_exclude(
    *, case_id: int, moderator: Any, now: datetime | None = None
) -> CoordinatedVotingCase:
    """A moderator leaves the group's votes (or supports) out of the analysis; they are kept."""
    return _decide(
        case_id=case_id,
        moderator=moderator,
        states=(CoordinatedVotingCase.State.OPEN, CoordinatedVotingCase.State.KEPT),
        to=CoordinatedVotingCase.State.EXCLUDED,
        kind=AuditEvent.Kind.COORDINATED_EXCLUDED,
        now=now,
    )


def coordinated_case_keep(
    *, case_id: int, moderator: Any, now: datetime | None = None
) -> CoordinatedVotingCase:
    """A moderator looked and keeps the votes in (ordinary people can vote alike)."""
    return _decide(
        case_id=case_id,
        moderator=moderator,
        states=(CoordinatedVotingCase.State.OPEN,),
        to=CoordinatedVotingCase.State.KEPT,
        kind=AuditEvent.Kind.COORDINATED_KEPT,
        now=now,
    )


def coordinated_case_undo(
    *, case_id: int, moderator: Any, now: datetime | None = None
) -> CoordinatedVotingCase:
    """Undo an exclusion (or a keep): the votes count again and the case waits for a moderator."""
    return _decide(
        case_id=case_id,
        moderator=moderator,
        states=(CoordinatedVotingCase.State.EXCLUDED, CoordinatedVotingCase.State.KEPT),
        to=CoordinatedVotingCase.State.OPEN,
        kind=AuditEvent.Kind.COORDINATED_INCLUDED,
        now=now,
    )
