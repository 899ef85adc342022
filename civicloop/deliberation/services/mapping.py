"""The opinion map: run and stored, and re-run by a debounced background task after votes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicloop.deliberation.analysis import (
    OpinionMap,
    StatementStat,
    analyse,
)
from civicloop.deliberation.models import (
    AnalysisResult,
    Conversation,
)
from civicloop.deliberation.report import opinion_map_report
from civicloop.deliberation.selectors import ConversationMatrix, conversation_matrix


def _stat(stat: StatementStat, numbers: list[str]) -> dict[str, object]:
    return {
        "statement": numbers[stat.statement],
        "direction": stat.direction,
        "agree": stat.agree,
        "disagree": stat.disagree,
    }


def opinion_map_json(result: OpinionMap, data: ConversationMatrix) -> dict[str, Any]:
    """The map in external ids: groups with their participants and representative statements."""
    people = data.participant_numbers
    statements = data.statement_numbers
    groups: list[dict[str, Any]] = []
    if result.enough_data:
        for g in range(result.n_groups):
            rows = result.participants[result.groups == g]
            groups.append(
                {
                    "id": g,
                    "participants": [people[int(i)] for i in rows],
                    "representative": [_stat(s, statements) for s in result.representative.get(g, [])],
                }
            )
    return {
        "reason": result.reason,
        "groups": groups,
        "consensus": [_stat(s, statements) for s in result.consensus],
        "group_consensus": [statements[j] for j in result.group_consensus_top],
        "in_map": [people[int(i)] for i in result.participants],
        "silhouette": {str(k): v for k, v in result.silhouette.items()},
        "report": opinion_map_report(result, data),  # for the report page only, not the JSON contract
    }


def conversation_analyse(conversation: Conversation) -> AnalysisResult:
    """Run the opinion map on the conversation's votes (rejected statements, and participants a moderator
    excluded after review of coordinated voting, left out) and store it with how many were excluded."""
    data = conversation_matrix(conversation)
    started = time.perf_counter()
    result = analyse(data.matrix, excluded_statements=data.rejected)
    seconds = time.perf_counter() - started
    return AnalysisResult.objects.create(
        conversation=conversation,
        enough_data=result.enough_data,
        participants=int(result.participants.size),
        statements=len(data.statement_numbers),
        votes=int(data.matrix.nnz),
        excluded_participants=data.excluded_participants,
        excluded_votes=data.excluded_votes,
        seconds=round(seconds, 6),
        opinion_map=opinion_map_json(result, data),
    )


ANALYSIS_LOST_AFTER = timedelta(minutes=15)  # a request still pending this long after its time was lost
ANALYSES_KEPT = 5  # the newest is the report; a few before it for staff to compare


def _analysis_debounce() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "DELIBERATION_ANALYSIS_DEBOUNCE_SECONDS", 30)))


def _analysis_enqueue(conversation_id: int, due: datetime) -> None:
    from civicloop.deliberation.tasks import conversation_analyse_due  # tasks import services

    conversation_analyse_due.using(run_after=due).enqueue(conversation_id)


def conversation_analysis_request(conversation_id: int, *, now: datetime | None = None) -> bool:
    """Ask for a new analysis after votes, at most one pending per conversation (debounced).

    One set-based UPDATE marks the conversation due in ``DELIBERATION_ANALYSIS_DEBOUNCE_SECONDS``
    only when nothing is pending (or what is pending is long overdue: its task was lost), so of many
    concurrent votes exactly one enqueues the task, on commit. True when this call enqueued it.
    """
    moment = now or timezone.now()
    due = moment + _analysis_debounce()
    marked = (
        Conversation.objects.filter(pk=conversation_id)
        .filter(Q(analysis_due_at__isnull=True) | Q(analysis_due_at__lt=moment - ANALYSIS_LOST_AFTER))
        .update(analysis_due_at=due)
    )
    if marked:
        transaction.on_commit(partial(_analysis_enqueue, conversation_id, due))
    return bool(marked)


def conversation_analyse_if_due(conversation_id: int) -> AnalysisResult | None:
    """The task's work: claim the pending request (one UPDATE, so a retried or doubled task runs the
    analysis once), analyse, and keep the newest ``ANALYSES_KEPT`` results. None when nothing was due.

    Votes cast while it runs mark the conversation due again, so they are analysed by the next run. If
    the analysis fails, the request is put back for the next vote or retry to pick up.
    """
    claimed = Conversation.objects.filter(pk=conversation_id, analysis_due_at__isnull=False).update(
        analysis_due_at=None
    )
    if not claimed:
        return None
    conversation = Conversation.objects.get(pk=conversation_id)
    try:
        result = conversation_analyse(conversation)
    except Exception:
        Conversation.objects.filter(pk=conversation_id, analysis_due_at__isnull=True).update(
            analysis_due_at=timezone.now()
        )
        raise
    stale = AnalysisResult.objects.filter(conversation_id=conversation_id).order_by("-id")[ANALYSES_KEPT:]
    AnalysisResult.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
    return result
