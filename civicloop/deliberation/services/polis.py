"""Importing a Polis openData export as a conversation, all or nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError
from civicloop.deliberation.analysis import (
    polis_comments_read,
    polis_export_read,
)
from civicloop.deliberation.models import (
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)

BATCH_SIZE = 2000
VOTE_BATCH_SIZE = 20000
EXTERNAL_ID_MAX = ConversationParticipant._meta.get_field("external_id").max_length or 64
MODERATION_FROM_POLIS = {
    1: Statement.Moderation.ACCEPTED,
    0: Statement.Moderation.HELD,
    -1: Statement.Moderation.REJECTED,
}


class PolisExportInvalid(DomainError):
    """A Polis openData folder that cannot be imported whole; nothing was written."""


def _comment_extras(path: Path) -> dict[str, tuple[str, datetime | None]]:
    """comment-id → (author-id, time written) from comments.csv, where those optional columns exist."""
    extras: dict[str, tuple[str, datetime | None]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cid = (row.get("comment-id") or "").strip()
            author = (row.get("author-id") or "").strip()
            when: datetime | None = None
            try:
                when = datetime.fromtimestamp(int(row.get("timestamp") or "") / 1000, tz=UTC)
            except (ValueError, OverflowError, OSError):
                when = None
            extras[cid] = (author, when)
    return extras


VOTE_LOG_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")


@dataclass(frozen=True)
class PolisVoteLog:
    """The votes kept from a Polis ``votes.csv``: the latest per (voter, comment), in file order."""

    voters: list[str]  # voter ids
    comments: list[str]  # comment ids
    values: np.ndarray  # int8: 1 agree, −1 disagree, 0 pass (as the openData CSVs write them)
    moments: list[datetime]  # when each kept vote was cast
    first_vote: dict[str, datetime]  # each voter's first vote


def _natural(ids: set[str]) -> list[str]:
    """Polis ids are numbers: 2 before 10."""
    return sorted(ids, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))


def polis_vote_log_read(path: Path, comment_ids: set[str]) -> PolisVoteLog:
    """Read Polis's vote log (timestamp, datetime, comment-id, voter-id, vote; one row per vote cast).

    A later vote (by timestamp) of a voter on a comment replaces an earlier one. The sign is the
    openData CSVs' (+1 agree, −1 disagree, 0 pass; checked against participants-votes.csv of the
    same exports: every kept vote equal, none inverted), so nothing is flipped. A row repeated
    exactly (same time, voter, comment and vote: vTaiwan's export has one) counts once; two different
    votes at the same moment are ambiguous and refused. Raises ValueError naming the line.
    """
    name = path.name
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ValueError(f"Polis export: {name} is empty") from None
        missing = [c for c in VOTE_LOG_COLUMNS if c not in header]
        if missing:
            raise ValueError(f"Polis export: {name} lacks column(s) {', '.join(missing)}")
        i_time, i_comment, i_voter, i_vote = (header.index(c) for c in VOTE_LOG_COLUMNS)
        kept: dict[tuple[str, str], tuple[int, int, int]] = {}  # (voter, comment) → (ms, vote, line)
        first: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(
                    f"Polis export: {name} line {line} has {len(row)} fields, expected {len(header)}"
                )
            comment, voter = row[i_comment].strip(), row[i_voter].strip()
            try:
                moment, vote = int(row[i_time]), int(row[i_vote])
            except ValueError:
                raise ValueError(
                    f"Polis export: {name} line {line}: timestamp or vote is not a whole number"
                ) from None
            if vote not in (-1, 0, 1):
                raise ValueError(f"Polis export: {name} line {line}: a vote is not -1, 0 or 1")
            if comment not in comment_ids:
                raise ValueError(
                    f"Polis export: {name} line {line}: vote for unknown comment {comment[:40]!r}"
                )
            if not voter or len(voter) > EXTERNAL_ID_MAX:
                raise ValueError(f"Polis export: {name} line {line}: empty or over-long voter-id")
            earlier = kept.get((voter, comment))
            if earlier is not None and earlier[0] == moment and earlier[1] != vote:
                raise ValueError(
                    f"Polis export: {name} lines {earlier[2]} and {line}: duplicated vote of voter "
                    f"{voter} on comment {comment} at the same time, with different values"
                )
            if earlier is None or earlier[0] < moment:
                kept[voter, comment] = (moment, vote, line)
            if voter not in first or moment < first[voter]:
                first[voter] = moment
    try:
        return PolisVoteLog(
            voters=[voter for voter, _c in kept],
            comments=[comment for _v, comment in kept],
            values=np.array([v[1] for v in kept.values()], dtype=np.int8),
            moments=[_from_ms(v[0]) for v in kept.values()],
            first_vote={voter: _from_ms(ms) for voter, ms in first.items()},
        )
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"Polis export: {name} has a timestamp out of range") from None


def _from_ms(ms: int) -> datetime:
    # Exact to the millisecond (no float division), so an export of ours reads back the same times.
    return datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)


def _votes_of_export(
    folder: Path, statement_ids: list[str]
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, list[datetime] | None, dict[str, datetime]]:
    """(participant ids, row, column, value per vote, when each was cast or None, first vote per
    participant) from ``votes.csv`` when the folder has it, else from ``participants-votes.csv``.

    With both, votes.csv gives the votes and their times, participants-votes.csv the participants'
    order (and anyone in it without a vote), so an export of ours reads back in the same order.
    """
    log_path, table_path = folder / "votes.csv", folder / "participants-votes.csv"
    if not log_path.is_file():
        if not table_path.is_file():
            raise ValueError(f"Polis export: missing file participants-votes.csv (or votes.csv) in {folder}")
        matrix, participant_ids, _statements, _groups = polis_export_read(folder)
        coo = sp.coo_matrix(matrix)
        return participant_ids, coo.row, coo.col, coo.data, None, {}
    listed = polis_export_read(folder)[1] if table_path.is_file() else []
    log = polis_vote_log_read(log_path, set(statement_ids))
    known = set(listed)
    participant_ids = listed + _natural({v for v in log.voters if v not in known})
    row_of = {pid: i for i, pid in enumerate(participant_ids)}
    col_of = {sid: j for j, sid in enumerate(statement_ids)}
    rows = np.array([row_of[v] for v in log.voters], dtype=np.int64)
    cols = np.array([col_of[c] for c in log.comments], dtype=np.int64)
    return participant_ids, rows, cols, log.values, log.moments, log.first_vote


def polis_import(directory: str | Path, *, title: str | None = None) -> Conversation:
    """A new conversation from a Polis openData folder: comments.csv, and votes.csv (the vote log,
    preferred: every vote with its time) or participants-votes.csv (final votes, no times).

    Polis's participant and comment ids become the external ids; ``moderated`` 1 / 0 / −1 becomes
    accepted / held / rejected. Everything is checked before anything is written, and written in one
    transaction: a malformed or partial export raises :class:`PolisExportInvalid` naming the problem.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise PolisExportInvalid(_("Polis export: %(path)s is not a folder") % {"path": folder})
    try:
        comments = polis_comments_read(folder)
        statement_ids = [c.id for c in comments]
        participant_ids, rows, cols, values, moments, first_vote = _votes_of_export(folder, statement_ids)
        extras = _comment_extras(folder / "comments.csv")
    except (ValueError, UnicodeDecodeError, csv.Error) as error:
        raise PolisExportInvalid(str(error)) from error
    for pid in participant_ids:
        if not pid or len(pid) > EXTERNAL_ID_MAX:
            raise PolisExportInvalid(
                _("Polis export: participants-votes.csv has an empty or over-long participant id %(id)r")
                % {"id": pid[:80]}
            )

    now = timezone.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            title=(title or folder.name)[:200],
            source=f"polis:{folder.name}"[:200],
            status=Conversation.Status.CLOSED,  # a finished Polis conversation: votes are its own
            created_at=now,
        )
        ConversationParticipant.objects.bulk_create(
            (
                ConversationParticipant(
                    conversation=conversation, external_id=pid, created_at=first_vote.get(pid, now)
                )
                for pid in participant_ids
            ),
            batch_size=BATCH_SIZE,
        )
        person = dict(
            ConversationParticipant.objects.filter(conversation=conversation).values_list("external_id", "id")
        )
        Statement.objects.bulk_create(
            (
                Statement(
                    conversation=conversation,
                    external_id=comment.id,
                    text=comment.text,
                    author_id=person.get(extras.get(comment.id, ("", None))[0]),
                    moderation=MODERATION_FROM_POLIS.get(comment.moderated, Statement.Moderation.HELD),
                    created_at=extras.get(comment.id, ("", None))[1] or now,
                )
                for comment in comments
            ),
            batch_size=BATCH_SIZE,
        )
        statement_of = dict(
            Statement.objects.filter(conversation=conversation).values_list("external_id", "id")
        )
        row_ids = np.array([person[pid] for pid in participant_ids], dtype=np.int64)
        col_ids = np.array([statement_of[sid] for sid in statement_ids], dtype=np.int64)
        _votes_insert(conversation.pk, row_ids[rows], col_ids[cols], values, moments or now)
    return conversation


def _votes_insert(
    conversation_id: int,
    participants: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    when: datetime | list[datetime],
) -> None:
    """Many votes at once: batched executemany of plain tuples, without a model instance per vote
    (about four times faster than ``bulk_create`` on vTaiwan's 49,443 votes). ``when``: one moment
    for all, or one per vote. Call inside the import's transaction."""
    meta = Vote._meta
    quote = connection.ops.quote_name
    names = ["conversation", "participant", "statement", "value", "created_at"]
    column_of = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in names)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 (quoted model names)
    field = meta.get_field("created_at")
    single = None if isinstance(when, list) else field.get_db_prep_save(when, connection)
    with connection.cursor() as cursor:
        for start in range(0, len(values), VOTE_BATCH_SIZE):
            stop = start + VOTE_BATCH_SIZE
            moments = (
                [field.get_db_prep_save(m, connection) for m in when[start:stop]]
                if isinstance(when, list)
                else [single] * len(values[start:stop])
            )
            cursor.executemany(
                sql,
                [
                    (conversation_id, p, s, v, m)
                    for p, s, v, m in zip(
                        participants[start:stop].tolist(),
                        statements[start:stop].tolist(),
                        values[start:stop].tolist(),
                        moments,
                        strict=True,
                    )
                ],
            )
