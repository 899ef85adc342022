"""Bursts of supports on an idea, from new accounts or from one network address: a case for a moderator
with the evidence (never an address); and an idea's supports recounted when a moderator leaves a
coordinated group's supports out (or puts them back).

Engage's own reads of its supports, handed to moderation through its registry
(civicloop.engage.reportables); the cases are opened by moderation's services."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, Max, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicloop.engage.models import Idea, Support
from civicloop.moderation.models import CoordinatedVotingCase, CoordinatedVotingMember, ModerationCase
from civicloop.moderation.services import burst_case_open

# A burst: this many supports within BURST_WINDOW from accounts made after the question opened.
BURST_SUPPORTS = 10
BURST_WINDOW = timedelta(hours=1)
NEVER_FLAGGED = datetime(2000, 1, 1, tzinfo=UTC)  # before any support: counts them all
BURST_EVIDENCE_IDS = 50
# A burst from one network address: this many supports of one idea from one address within BURST_WINDOW
# (a household or an office shares one, so the case is for a moderator to judge, not a verdict).
BURST_SAME_NETWORK = 5
NETWORK_TAG_LENGTH = 8  # of the address's keyed hash, shown to moderators to tell networks apart


def support_bursts_flag(
    *, now: datetime | None = None, window: timedelta = BURST_WINDOW, idea_ids: list[int] | None = None
) -> list[ModerationCase]:
    """Open a case for each idea (or each of `idea_ids`) with a burst of supports within `window`:
    from accounts made after its question opened ("burst"), or from one network address
    ("burst_network"); one case with both reasons when both happened.

    Idempotent: an idea with a pending case is left alone, and a decided burst is not flagged
    again (only supports after its case was opened count towards the next). The evidence has counts, times,
    participant numbers and a short tag per network (from the keyed hash of the address: the same
    tag means the same address); never an address.
    """
    moment = now or timezone.now()
    in_window = Support.objects.filter(
        created_at__gte=moment - window, created_at__lte=moment, participant__user__isnull=True
    )
    if idea_ids is not None:
        in_window = in_window.filter(idea_id__in=idea_ids)
    # Supports a burst case already showed moderators are not counted again once it is decided.
    last_flagged = ModerationCase.objects.filter(
        idea_id=OuterRef("idea_id"), comment__isnull=True, source=ModerationCase.Source.BURST
    ).order_by("-opened_at")
    in_window = in_window.filter(
        created_at__gt=Coalesce(Subquery(last_flagged.values("opened_at")[:1]), Value(NEVER_FLAGGED))
    )
    found: dict[int, dict[str, Any]] = {}  # idea id -> reasons and evidence

    def evidence_for(idea_id: int) -> dict[str, Any]:
        return found.setdefault(idea_id, {"reasons": [], "evidence": {}})

    from_new_accounts = in_window.filter(participant__created_at__gt=F("idea__question__opens_at"))
    minimum = int(getattr(settings, "MODERATION_BURST_SUPPORTS", BURST_SUPPORTS))
    for row in _bursts(from_new_accounts, ["idea_id"], minimum):
        supporters = _supporters(from_new_accounts.filter(idea_id=row["idea_id"]))
        entry = evidence_for(row["idea_id"])
        entry["reasons"].append("burst")
        entry["evidence"] |= {
            "supports_from_new_accounts": row["count"],
            "first_support_at": row["first"].isoformat(),
            "last_support_at": row["last"].isoformat(),
            "participant_ids": [pid for pid, _created in supporters],
            "accounts_created": [created.isoformat() for _pid, created in supporters],
        }
    from_one_network = in_window.exclude(network_key="")
    minimum = int(getattr(settings, "MODERATION_BURST_SAME_NETWORK", BURST_SAME_NETWORK))
    for row in _bursts(from_one_network, ["idea_id", "network_key"], minimum):
        supporters = _supporters(
            from_one_network.filter(idea_id=row["idea_id"], network_key=row["network_key"])
        )
        entry = evidence_for(row["idea_id"])
        if "burst_network" not in entry["reasons"]:
            entry["reasons"].append("burst_network")
        entry["evidence"].setdefault("network_bursts", []).append(
            {
                "network": row["network_key"][:NETWORK_TAG_LENGTH],
                "supports": row["count"],
                "first_support_at": row["first"].isoformat(),
                "last_support_at": row["last"].isoformat(),
                "participant_ids": [pid for pid, _created in supporters],
            }
        )
    opened: list[ModerationCase] = []
    for idea in Idea.objects.filter(pk__in=list(found)).select_related("question").order_by("id"):
        entry = found[idea.pk]
        evidence = {
            "window_minutes": int(window.total_seconds() // 60),
            "supports_total": idea.supports_count,
            "question_opened_at": idea.question.opens_at.isoformat(),
            **entry["evidence"],
        }
        case = burst_case_open(idea, moment=moment, reasons=entry["reasons"], evidence=evidence)
        if case is not None:
            opened.append(case)
    return opened


def _bursts(
    supports: QuerySet[Support], group_by: list[str], minimum: int
) -> QuerySet[Support, dict[str, Any]]:
    """Groups of at least `minimum` supports, with their count and first and last times (one query)."""
    return (
        supports.values(*group_by)
        .annotate(count=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .filter(count__gte=minimum)
        .order_by(*group_by)
    )


def _supporters(supports: QuerySet[Support]) -> list[tuple[int, datetime]]:
    """Participant numbers and account times of the first BURST_EVIDENCE_IDS supports, oldest first."""
    return list(
        supports.order_by("created_at").values_list("participant_id", "participant__created_at")[
            :BURST_EVIDENCE_IDS
        ]
    )


def supports_recount(question_id: int, participant_ids: list[int]) -> None:
    """Each idea these accounts supported shows its supports less those excluded (one UPDATE)."""
    excluded = CoordinatedVotingMember.objects.filter(
        case__question_id=question_id,
        case__state=CoordinatedVotingCase.State.EXCLUDED,
        participant_id=OuterRef("participant_id"),
    )
    counted = (
        Support.objects.filter(idea_id=OuterRef("pk"))
        .exclude(Exists(excluded))
        .order_by()
        .values("idea_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    touched = Support.objects.filter(idea__question_id=question_id, participant_id__in=participant_ids)
    Idea.objects.filter(pk__in=touched.values("idea_id")).update(
        supports_count=Coalesce(Subquery(counted), 0)
    )
