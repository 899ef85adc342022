"""Reads for moderation: the queue (fixed number of queries), one case in full, the export, training data."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from civicloop.core.errors import NotFound
from civicloop.core.text import contact_details_mask
from civicloop.moderation.models import (
    AuditEvent,
    CoordinatedVotingCase,
    Decision,
    ModerationCase,
    Report,
)
from civicloop.moderation.reportables import (
    HIDDEN,
    REMOVED,
    Described,
    conversation_votes,
    question_supports,
    reportable_of_kind,
    reportables,
)

QUEUES = ("all", "urgent", "appeals", "decided")
PENDING = [ModerationCase.State.OPEN, ModerationCase.State.APPEALED]


def _queue_filter(queue: str) -> Q:
    if queue == "urgent":
        return Q(state__in=PENDING, urgent=True)
    if queue == "appeals":
        return Q(state=ModerationCase.State.APPEALED)
    if queue == "decided":
        return Q(state__in=[ModerationCase.State.DECIDED, ModerationCase.State.CLOSED])
    return Q(state__in=PENDING)


def queue_cases(queue: str = "all") -> QuerySet[ModerationCase]:
    """Pending cases, urgent first, then the oldest; one query for the page whatever its length."""
    cases = ModerationCase.objects.filter(_queue_filter(queue)).select_related(
        "idea__question", "idea__author", "comment__author", "appeal"
    )
    if queue == "decided":
        return cases.order_by("-decided_at", "-id")
    return cases.order_by("-urgent", "opened_at", "id")


def cases_described(cases: list[ModerationCase]) -> dict[int, Described]:
    """The items of these cases as the pages show them, by case number: one query per kind on the page
    at most (none for engage's kinds, whose columns `queue_cases` joins)."""
    described: dict[int, Described] = {}
    for kind in sorted({case.kind for case in cases}):
        described |= reportable_of_kind(kind).described([case for case in cases if case.kind == kind])
    return described


def queue_counts() -> dict[str, int]:
    """How many cases wait in each queue (two queries: content cases, coordinated-voting cases)."""
    counts = ModerationCase.objects.aggregate(
        all=Count("id", filter=_queue_filter("all")),
        urgent=Count("id", filter=_queue_filter("urgent")),
        appeals=Count("id", filter=_queue_filter("appeals")),
    )
    counts["coordinated"] = CoordinatedVotingCase.objects.filter(
        state=CoordinatedVotingCase.State.OPEN
    ).count()
    return counts


def coordinated_cases(*, decided: bool = False) -> QuerySet[CoordinatedVotingCase]:
    """Coordinated-voting cases waiting for a moderator, oldest first (or the decided ones, newest
    first), with their conversation or question (one query)."""
    cases = CoordinatedVotingCase.objects.select_related("conversation", "question", "decided_by")
    if decided:
        return cases.exclude(state=CoordinatedVotingCase.State.OPEN).order_by("-decided_at", "-id")
    return cases.filter(state=CoordinatedVotingCase.State.OPEN).order_by("opened_at", "id")


@dataclass(frozen=True)
class CoordinatedCaseFile:
    case: CoordinatedVotingCase
    pattern: list[tuple[str, str]]  # (statement text or idea title, vote), the group's common pattern
    events: list[AuditEvent]


def coordinated_case_file(case_id: int) -> CoordinatedCaseFile:
    """One coordinated-voting case with its common pattern in words and its history (four queries)."""
    case = (
        CoordinatedVotingCase.objects.select_related("conversation", "question__space", "decided_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    raw = case.evidence.get("pattern", [])
    pattern: list[tuple[str, str]] = []
    if case.conversation_id is not None:
        votes_of = conversation_votes()
        texts = votes_of.statement_texts(case.conversation_id, [str(item[0]) for item in raw])
        votes = votes_of.vote_labels()
        pattern = [(texts.get(str(item[0]), str(item[0])), votes.get(int(item[1]), "")) for item in raw]
    else:
        titles = question_supports().titles([int(item[0]) for item in raw])
        pattern = [(titles.get(int(item[0]), str(item[0])), "") for item in raw]
    events = list(
        AuditEvent.objects.filter(detail__coordinated_case=case.pk)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return CoordinatedCaseFile(case=case, pattern=pattern, events=events)


@dataclass(frozen=True)
class CaseFile:
    case: ModerationCase
    content: Any  # the idea, comment or statement (a registered reportable)
    described: Described
    # The resident who wrote it, by participant number (None for an imported statement).
    author_id: int | None
    reports: list[Report]
    decisions: list[Decision]
    events: list[AuditEvent]

    @property
    def first_decision(self) -> Decision | None:
        return next((d for d in self.decisions if d.stage == Decision.Stage.FIRST), None)

    @property
    def stage(self) -> str:
        """Which decision the case waits for, if any."""
        if self.case.state == ModerationCase.State.OPEN:
            return Decision.Stage.FIRST
        if self.case.state == ModerationCase.State.APPEALED:
            return Decision.Stage.APPEAL
        return ""


def case_file(case_id: int) -> CaseFile:
    case = (
        ModerationCase.objects.select_related(
            "idea__question__space", "idea__author", "comment__author", "appeal"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    reportable = reportable_of_kind(case.kind)
    content: Any = reportable.model.objects.get(pk=case.content_id)
    return CaseFile(
        case=case,
        content=content,
        described=reportable.described([case])[case.pk],
        author_id=reportable.author_id(content),
        reports=list(Report.objects.filter(case=case).order_by("created_at", "id")),
        decisions=list(
            Decision.objects.filter(case=case).select_related("moderator").order_by("created_at", "id")
        ),
        events=list(
            AuditEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
        ),
    )


def audit_events(limit: int = 200) -> list[AuditEvent]:
    return list(AuditEvent.objects.select_related("actor", "case").order_by("-created_at", "-id")[:limit])


EXPORT_HEADER = [
    "kind",
    "id",
    "idea_id",
    "question",
    "author_participant_id",
    "created_at",
    "moderation_state",
    "title",
    "text",
    "check_reasons",
    "check_score",
    "decision_action",
    "decision_reason",
    "decision_note",
    "decided_by",
    "decided_at",
]


def _last_decisions(kind: str, ids: list[int]) -> dict[int, Decision]:
    decisions = (
        Decision.objects.filter(case__kind=kind, case__content_id__in=ids)
        .select_related("case", "moderator")
        .order_by("created_at", "id")
    )
    last: dict[int, Decision] = {}
    for decision in decisions:
        last[decision.case.content_id] = decision
    return last


def removed_content_rows() -> Iterator[list[Any]]:
    """Removed and hidden items (ideas, comments, statements) with their last decision, for
    public-records requests.

    Personal data stays out: authors by participant number only; emails and phone numbers in the text
    are masked (a records officer can still look an item up by its number).
    """
    states = [REMOVED, HIDDEN]
    kinds = [(reportable, reportable.listed(states)) for reportable in reportables()]  # in registered order
    decisions = [_last_decisions(reportable.kind, [item.pk for item in items]) for reportable, items in kinds]

    def row(reportable: Any, item: Any, decision: Decision | None) -> list[Any]:
        idea_id, question, title = reportable.export_place(item)
        return [
            reportable.kind,
            item.pk,
            "" if idea_id is None else idea_id,
            question,
            reportable.author_id(item) or "",
            item.created_at.isoformat(),
            reportable.state(item),
            contact_details_mask(title),
            contact_details_mask(reportable.text(item)[1]),
            " ".join(item.held_reasons or []),
            round(item.civility_score, 4),
            decision.action if decision else "",
            decision.reason if decision else "",
            contact_details_mask(decision.note) if decision else "",
            decision.moderator.username if decision else "",
            decision.created_at.isoformat() if decision else "",
        ]

    for (reportable, items), last in zip(kinds, decisions, strict=True):
        for item in items:
            yield row(reportable, item, last.get(item.pk))


def training_examples() -> Iterator[dict[str, Any]]:
    """Moderators' decisions as labelled examples for retraining the check: the text as it was judged,
    the check's verdict then, and the label the moderator gave (the last decision on each case wins)."""
    latest: dict[int, Decision] = {}
    for decision in Decision.objects.order_by("created_at", "id"):
        latest[decision.case_id] = decision
    for decision in latest.values():
        text = f"{decision.title_before}\n\n{decision.text_before}".strip()
        yield {
            "text": text,
            "label": "civil"
            if decision.action == Decision.Action.APPROVE
            else (decision.reason or "uncivil"),
            "check": decision.check_verdict,
            "decided_at": decision.created_at.isoformat(),
        }
