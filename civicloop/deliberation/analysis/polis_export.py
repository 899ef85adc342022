"""Reading a Polis openData export folder (comments.csv, participants-votes.csv) into a vote matrix."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from civicloop.deliberation.analysis.votes import _csr

PV_FIXED = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
COMMENT_COLUMNS = ("comment-id", "moderated", "comment-body")


@dataclass(frozen=True)
class PolisComment:
    id: str
    text: str
    moderated: int  # 1 accepted, 0 unmoderated, −1 moderated out


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.is_file():
        raise ValueError(f"Polis export: missing file {path.name} in {path.parent}")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"Polis export: {path.name} is empty") from None
        return [h.strip() for h in header], list(reader)


def polis_comments_read(directory: str | Path) -> list[PolisComment]:
    """The statements of a Polis openData folder (comments.csv), in ascending comment-id order."""
    path = Path(directory) / "comments.csv"
    header, rows = _read_csv(path)
    missing = [c for c in COMMENT_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"Polis export: comments.csv lacks column(s) {', '.join(missing)}")
    i_id, i_mod, i_body = (header.index(c) for c in COMMENT_COLUMNS)
    comments: dict[int, PolisComment] = {}
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(
                f"Polis export: comments.csv line {line} has {len(row)} fields, expected {len(header)}"
            )
        try:
            cid = int(row[i_id])
            moderated = int(row[i_mod]) if row[i_mod].strip() else 0
        except ValueError:
            raise ValueError(
                f"Polis export: comments.csv line {line}: comment-id or moderated is not a number"
            ) from None
        if cid in comments:
            raise ValueError(f"Polis export: comments.csv line {line}: duplicated comment-id {cid}")
        comments[cid] = PolisComment(id=str(cid), text=row[i_body], moderated=moderated)
    return [comments[c] for c in sorted(comments)]


def polis_export_read(directory: str | Path) -> tuple[sp.csr_matrix, list[str], list[str], np.ndarray]:
    """Read a Polis openData export folder.

    Returns ``(matrix, participant_ids, statement_ids, polis_group_ids)``: the int8 vote matrix
    (participants in file order × statements in comment-id order, passes stored as 0), the Polis
    participant and comment ids as strings, and Polis's own ``group-id`` per participant (−1 where
    Polis left the participant out of its map). Raises ValueError naming the problem for a missing
    file, bad columns, votes for unknown comments, duplicated rows or bad values.
    """
    directory = Path(directory)
    comments = polis_comments_read(directory)
    statement_ids = [c.id for c in comments]
    col_of = {sid: j for j, sid in enumerate(statement_ids)}
    header, rows = _read_csv(directory / "participants-votes.csv")
    if tuple(header[: len(PV_FIXED)]) != PV_FIXED:
        raise ValueError(
            "Polis export: participants-votes.csv must start with the columns " + ", ".join(PV_FIXED)
        )
    vote_cols = header[len(PV_FIXED) :]
    unknown = [c for c in vote_cols if c not in col_of]
    if unknown:
        raise ValueError(
            f"Polis export: participants-votes.csv has votes for unknown comment(s) {', '.join(unknown[:10])}"
        )
    if len(set(vote_cols)) != len(vote_cols):
        raise ValueError("Polis export: participants-votes.csv has duplicated comment columns")
    targets = np.array([col_of[c] for c in vote_cols], dtype=np.int64)
    participant_ids: list[str] = []
    seen: set[str] = set()
    groups: list[int] = []
    r_idx: list[np.ndarray] = []
    c_idx: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(
                f"Polis export: participants-votes.csv line {line} has {len(row)} fields, "
                f"expected {len(header)}"
            )
        pid = row[0].strip()
        if pid in seen:
            raise ValueError(
                f"Polis export: participants-votes.csv line {line}: duplicated participant {pid}"
            )
        seen.add(pid)
        try:
            groups.append(int(row[1]) if row[1].strip() else -1)
            cells = row[len(PV_FIXED) :]
            present = np.array([bool(c.strip()) for c in cells], dtype=bool)
            values = np.array([int(float(c)) for c in cells if c.strip()], dtype=np.int64)
        except ValueError:
            raise ValueError(
                f"Polis export: participants-votes.csv line {line}: a value is not a number"
            ) from None
        if values.size and (values.min() < -1 or values.max() > 1):
            raise ValueError(f"Polis export: participants-votes.csv line {line}: a vote is not -1, 0 or 1")
        r_idx.append(np.full(values.size, len(participant_ids), dtype=np.int64))
        c_idx.append(targets[present])
        vals.append(values)
        participant_ids.append(pid)
    shape = (len(participant_ids), len(statement_ids))
    if not participant_ids:
        matrix = sp.csr_matrix(shape, dtype=np.int8)
    else:
        matrix = _csr(
            np.concatenate(r_idx), np.concatenate(c_idx), np.concatenate(vals).astype(np.int8), shape
        )
    return matrix, participant_ids, statement_ids, np.array(groups, dtype=np.int64)
