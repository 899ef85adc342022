"""The vote matrix: participants × statements, int8 CSR, a stored entry per vote (passes as explicit
zeros), built from vote triples or checked and made canonical from any sparse matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def vote_matrix(
    participants: Sequence[int] | np.ndarray,
    statements: Sequence[int] | np.ndarray,
    votes: Sequence[int] | np.ndarray,
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """A CSR int8 vote matrix from (participant index, statement index, vote) triples in time order.

    The latest vote per (participant, statement) wins; passes (0) are stored, so they stay distinct
    from "not voted".
    """
    rows = np.asarray(participants, dtype=np.int64)
    cols = np.asarray(statements, dtype=np.int64)
    vals = np.asarray(votes, dtype=np.int8)
    if not (rows.shape == cols.shape == vals.shape):
        raise ValueError("participants, statements and votes must have the same length")
    if vals.size and (vals.min() < -1 or vals.max() > 1):
        raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree)")
    n, m = shape
    if rows.size and (rows.min() < 0 or rows.max() >= n or cols.min() < 0 or cols.max() >= m):
        raise ValueError("a vote's participant or statement index is outside the matrix")
    # Keep the last occurrence of each pair: stable sort by key, take the last of each run.
    key = rows * m + cols
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    last = np.ones(key_sorted.size, dtype=bool)
    last[:-1] = key_sorted[1:] != key_sorted[:-1]
    keep = order[last]
    return _csr(rows[keep], cols[keep], vals[keep], shape)


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR from unique (row, col) pairs, keeping explicit zeros (passes)."""
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((vals.astype(np.int8), cols.astype(np.int32), indptr), shape=shape)


def _canonical(votes: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    """CSR int8 with sorted indices and no duplicates, explicit zeros (passes) kept."""
    if sp.issparse(votes) and votes.format == "csr" and votes.ndim == 2:
        # Fast path (O(votes), no sort): already canonical CSR, as vote_matrix builds it.
        src = votes
        if src.has_canonical_format:
            data = np.asarray(src.data)
            if data.size and (data.min() < -1 or data.max() > 1):
                raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree)")
            return sp.csr_matrix(
                (data.astype(np.int8, copy=False), src.indices, src.indptr), shape=src.shape, copy=False
            )
    coo = sp.coo_matrix(votes)
    rows = np.asarray(coo.row, dtype=np.int64)
    cols = np.asarray(coo.col, dtype=np.int64)
    vals = np.asarray(coo.data)
    if vals.size and (vals.min() < -1 or vals.max() > 1):
        raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree)")
    key = rows * coo.shape[1] + cols
    if np.unique(key).size != key.size:
        raise ValueError("the vote matrix has duplicated (participant, statement) entries")
    return _csr(rows, cols, vals.astype(np.int8), coo.shape)
