"""Reads for deliberation: a conversation, its vote matrix (set-based), its latest analysis, Polis export."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from civicloop.core.errors import NotFound
from civicloop.deliberation.analysis import COMMENT_COLUMNS, PV_FIXED, vote_matrix
from civicloop.deliberation.models import (
    AnalysisResult,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)
from civicloop.engage.models import Participant, Space
from civicloop.engage.selectors import Viewer, space_readable

POLIS_MODERATED: dict[str, int] = {
    Statement.Moderation.ACCEPTED: 1,
    Statement.Moderation.HELD: 0,
    Statement.Moderation.HIDDEN: 0,
    Statement.Moderation.REJECTED: -1,
}


def conversation_get(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no conversation %(id)s.") % {"id": conversation_id})
    return conversation


@dataclass(frozen=True)
class ConversationMatrix:
    """The votes as a participants × statements int8 matrix, rows and columns in id order."""

    matrix: sp.csr_matrix
    participant_ids: np.ndarray  # database ids, ascending: row i
    participant_numbers: list[str]  # external ids, same order
    statement_ids: np.ndarray  # database ids, ascending: column j
    statement_numbers: list[str]
    rejected: np.ndarray  # column indices of rejected statements
    # Left out after a moderator's review of coordinated voting (not rows of the matrix).
    excluded_participants: int = 0
    excluded_votes: int = 0


def conversation_matrix(conversation: Conversation, *, with_excluded: bool = False) -> ConversationMatrix:
    """Reads ids and values only (no model instances), ordered by id, so the matrix is stable.

    Participants whose votes a moderator excluded after review of coordinated voting are left out
    (and counted), unless ``with_excluded`` (the raw record, as the Polis export writes it).
    """
    participants = ConversationParticipant.objects.filter(conversation=conversation)
    votes = Vote.objects.filter(conversation=conversation)
    excluded_participants = excluded_votes = 0
    if not with_excluded:
        participants = participants.filter(excluded_at__isnull=True)
        counted = ConversationParticipant.objects.filter(
            conversation=conversation, excluded_at__isnull=False
        ).aggregate(people=Count("id", distinct=True), votes=Count("votes"))
        excluded_participants, excluded_votes = int(counted["people"]), int(counted["votes"])
        if excluded_participants:
            votes = votes.filter(participant__excluded_at__isnull=True)
    people = list(participants.order_by("id").values_list("id", "external_id"))
    statements = list(
        Statement.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("id", "external_id", "moderation")
    )
    p_ids = np.array([p[0] for p in people], dtype=np.int64)
    s_ids = np.array([s[0] for s in statements], dtype=np.int64)
    rows = np.array(
        votes.order_by("id").values_list("participant_id", "statement_id", "value"),
        dtype=np.int64,
    ).reshape(-1, 3)
    matrix = vote_matrix(
        np.searchsorted(p_ids, rows[:, 0]),
        np.searchsorted(s_ids, rows[:, 1]),
        rows[:, 2],
        (p_ids.size, s_ids.size),
    )
    rejected = np.array(
        [j for j, s in enumerate(statements) if s[2] == Statement.Moderation.REJECTED], dtype=np.int64
    )
    return ConversationMatrix(
        matrix=matrix,
        participant_ids=p_ids,
        participant_numbers=[p[1] for p in people],
        statement_ids=s_ids,
        statement_numbers=[s[1] for s in statements],
        rejected=rejected,
        excluded_participants=excluded_participants,
        excluded_votes=excluded_votes,
    )


def analysis_latest(conversation: Conversation) -> AnalysisResult | None:
    return AnalysisResult.objects.filter(conversation=conversation).order_by("-id").first()


def analysis_json(result: AnalysisResult) -> dict[str, object]:
    """The command's ``analyze --json`` object (issue 13, item 4)."""
    stored = result.opinion_map
    return {
        "conversation": result.conversation_id,
        "participants": result.participants,
        "statements": result.statements,
        "seconds": result.seconds,
        "groups": stored.get("groups", []),
        "consensus": stored.get("consensus", []),
        "enough_data": result.enough_data,
        "reason": stored.get("reason", ""),
    }


def _polis_datetime(value: datetime) -> tuple[str, str]:
    moment = value.astimezone(UTC)
    return str(int(moment.timestamp() * 1000)), moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def polis_export(conversation: Conversation, directory: str | Path) -> tuple[Path, Path]:
    """Write Polis openData ``comments.csv`` and ``participants-votes.csv`` into ``directory``.

    Participants appear by their anonymous number only; ``group-id`` is from the latest analysis
    (blank when not in its map). Columns and values as Polis writes them, so a result can be compared.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    data = conversation_matrix(conversation, with_excluded=True)
    csr = data.matrix
    agree = np.asarray((csr == 1).sum(axis=0)).ravel()
    disagree = np.asarray((csr == -1).sum(axis=0)).ravel()
    statements = (
        Statement.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("external_id", "author__external_id", "moderation", "created_at", "text")
    )
    comments_path = out / "comments.csv"
    with comments_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", *COMMENT_COLUMNS[1:]]
        )
        for j, (number, author, moderation, created_at, text) in enumerate(statements):
            stamp, when = _polis_datetime(created_at)
            writer.writerow(
                [
                    stamp,
                    when,
                    number,
                    author or "",
                    int(agree[j]),
                    int(disagree[j]),
                    POLIS_MODERATED[moderation],
                    text,
                ]
            )

    latest = analysis_latest(conversation)
    group_of: dict[str, int] = {}
    if latest is not None and latest.enough_data:
        for group in latest.opinion_map.get("groups", []):
            for number in group["participants"]:
                group_of[number] = group["id"]
    authored = dict(
        ConversationParticipant.objects.filter(conversation=conversation)
        .annotate(n=Count("statements"))
        .values_list("id", "n")
    )
    votes_path = out / "participants-votes.csv"
    with votes_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*PV_FIXED, *data.statement_numbers])
        for i, number in enumerate(data.participant_numbers):
            start, end = csr.indptr[i], csr.indptr[i + 1]
            cells = [""] * len(data.statement_numbers)
            values = csr.data[start:end]
            for j, v in zip(csr.indices[start:end], values, strict=True):
                cells[j] = str(int(v))
            group = group_of.get(number)
            writer.writerow(
                [
                    number,
                    "" if group is None else group,
                    authored.get(int(data.participant_ids[i]), 0),
                    int(end - start),
                    int((values == 1).sum()),
                    int((values == -1).sum()),
                    *cells,
                ]
            )
    return comments_path, votes_path


# ------------------------------------------------------------------------------------------- voting


def conversation_for_page(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.select_related("space").filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no conversation %(id)s.") % {"id": conversation_id})
    return conversation


def conversation_visible(conversation: Conversation, viewer: Viewer) -> bool:
    """Its space decides (public, staff-only, invite-only); a conversation in no space is staff-only."""
    if conversation.space is None:
        return viewer.is_staff
    return space_readable(conversation.space, viewer)


def conversation_participant_of(
    conversation: Conversation, resident: Participant | None
) -> ConversationParticipant | None:
    if resident is None:
        return None
    return ConversationParticipant.objects.filter(conversation=conversation, resident=resident).first()


def statement_priority(*, seen: int, agrees: int, passes: int, extremeness: float = 0.0) -> float:
    """Polis's routing weight: new statements (few votes) and divisive ones (extreme) come sooner."""
    novelty = 1.0 + 8.0 * 2.0 ** (-seen / 5.0)
    return float(
        (
            (1.0 - (passes + 1.0) / (seen + 2.0))
            * (extremeness + 1.0)
            * (agrees + 1.0)
            / (seen + 2.0)
            * novelty
        )
        ** 2
    )


def statement_extremeness(conversation: Conversation) -> dict[str, float]:
    """How divisive each statement was in the latest analysis (external id → score); read from the
    stored JSON in the database, without loading the whole map."""
    stored = (
        AnalysisResult.objects.filter(conversation=conversation)
        .order_by("-id")
        .values_list("opinion_map__report__extremeness", flat=True)
        .first()
    )
    return {str(k): float(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def statement_next(
    conversation: Conversation, participant: ConversationParticipant | None
) -> Statement | None:
    """The next accepted statement this participant has not voted on, drawn with Polis's priority.

    The draw is seeded by the conversation, the participant and how many statements are left, so a
    reload shows the same statement and the same votes always give the same order (three queries).
    """
    candidates = Statement.objects.filter(conversation=conversation, moderation=Statement.Moderation.ACCEPTED)
    if participant is not None:
        voted = Vote.objects.filter(participant=participant, statement=OuterRef("pk"))
        candidates = candidates.filter(~Exists(voted))
    rows = list(
        candidates.annotate(
            seen=Count("votes"),
            agrees=Count("votes", filter=Q(votes__value=Vote.Value.AGREE)),
            passes=Count("votes", filter=Q(votes__value=Vote.Value.PASS)),
        )
        .order_by("id")
        .values_list("id", "external_id", "seen", "agrees", "passes")
    )
    if not rows:
        return None
    extremeness = statement_extremeness(conversation)
    weights = [
        statement_priority(seen=seen, agrees=agrees, passes=passes, extremeness=extremeness.get(number, 0.0))
        for _id, number, seen, agrees, passes in rows
    ]
    seed = f"{conversation.pk}:{participant.pk if participant else 0}:{len(rows)}"
    # Not for security: a reproducible spread of statements across residents.
    chosen = random.Random(seed).choices([row[0] for row in rows], weights=weights)[0]
    return Statement.objects.get(pk=chosen)


def voting_progress(
    conversation: Conversation, participant: ConversationParticipant | None
) -> tuple[int, int]:
    """(accepted statements, how many of them this participant has voted on), in one query."""
    accepted = Statement.objects.filter(conversation=conversation, moderation=Statement.Moderation.ACCEPTED)
    if participant is None:
        return accepted.count(), 0
    totals = accepted.aggregate(
        total=Count("id", distinct=True), voted=Count("votes", filter=Q(votes__participant=participant))
    )
    return int(totals["total"]), int(totals["voted"] or 0)


# ------------------------------------------------------------------------------- statements and report


def statements_of(conversation: Conversation, participant: ConversationParticipant | None) -> list[Statement]:
    """The participant's own statements, newest first, whatever their moderation (only they see held
    and rejected ones)."""
    if participant is None:
        return []
    return list(
        Statement.objects.filter(conversation=conversation, author=participant).order_by("-created_at", "-id")
    )


def statements_held() -> QuerySet[Statement]:
    """The moderators' statement queue: held statements, oldest first, with their conversation."""
    return (
        Statement.objects.filter(moderation=Statement.Moderation.HELD)
        .select_related("conversation")
        .order_by("created_at", "id")
    )


def statements_for_staff(conversation: Conversation) -> QuerySet[Statement]:
    """Every statement of a conversation with its vote counts (one query), in order."""
    return (
        Statement.objects.filter(conversation=conversation)
        .annotate(
            agrees=Count("votes", filter=Q(votes__value=Vote.Value.AGREE)),
            disagrees=Count("votes", filter=Q(votes__value=Vote.Value.DISAGREE)),
            passes=Count("votes", filter=Q(votes__value=Vote.Value.PASS)),
        )
        .order_by("id")
    )


def conversations_for_staff() -> QuerySet[Conversation]:
    """All conversations, newest first, with how many statements wait for a moderator."""
    return Conversation.objects.select_related("space", "question").annotate(
        held=Count("statements", filter=Q(statements__moderation=Statement.Moderation.HELD))
    )


def report_visible(conversation: Conversation, viewer: Viewer) -> bool:
    """The report is the city's to publish: staff see it before, everyone who may see the
    conversation after."""
    return conversation.report_published or viewer.is_staff


# ------------------------------------------------------------------------------- public reads (JSON API)


def conversation_public_list() -> QuerySet[Conversation]:
    """Conversations in public spaces (never staff-only, invite-only or unplaced ones), newest first,
    with `statements_count`: the accepted statements residents vote on (one query)."""
    return (
        Conversation.objects.filter(space__visibility=Space.Visibility.PUBLIC)
        .select_related("space", "question__space")
        .annotate(
            statements_count=Count(
                "statements", filter=Q(statements__moderation=Statement.Moderation.ACCEPTED)
            )
        )
        .order_by("-created_at", "-id")
    )


def conversation_public(conversation_id: int) -> Conversation:
    """A conversation in a public space; NotFound for any other, as if it did not exist."""
    conversation = conversation_public_list().filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no conversation %(id)s.") % {"id": conversation_id})
    return conversation
