"""Opinion mapping as Polis does it, on a sparse vote matrix (issue 13, item 2).

Plain functions, no Django. The algorithm follows ``shared/standards/opinion-mapping.md`` (read from
Polis's own math code); where we differ it is said below.

Votes: a ``scipy.sparse`` matrix, participants × statements, small integer dtype (int8). A *stored*
entry is a vote: +1 agree, −1 disagree, 0 pass (an explicitly stored zero). An entry that is not
stored means "not voted", which is distinct from pass, as in Polis. Build matrices with
:func:`vote_matrix` (latest vote per pair wins, passes kept as explicit zeros); never call
``eliminate_zeros()`` on one. The participants × statements matrix is never made dense: the work is
done on its non-zero pattern (O(votes)), on the participants' 2-D positions and on per-statement
counts.

k-means (base clusters and groups) starts as Polis's first run does, from the first distinct points in
participant order, and runs to convergence (≤ 100 iterations); k smoothing and the PCA warm start take
the previous run's :class:`PCAState`. An update (``previous`` given) also starts the base clusters from
the previous run's centres, as Polis does, and settles for less: ≤ 10 k-means iterations and a PCA
tolerance of 1e-6 instead of 1e-12 (a fresh run is unchanged).

Cost (``civicloop bench opinions``, docs/benchmarks.md): O(votes) sparse products for the PCA and
O(n × 100) per k-means iteration, the distances computed in blocks of 8,192 points (a few MB, not an
n × 100 × 2 array); no Python loop over participants. A canonical CSR input (as :func:`vote_matrix`
builds it) is used as it is, without re-sorting.

Determinism: a fixed seed for the PCA start, stable ordering (participants and statements in matrix
order, ties broken by index) and no threads of our own, so the same votes give the same groups bit
for bit on one machine and library build. (Floating-point sums in BLAS may round differently on
another CPU; the groups are then the same unless two are tied to the last bit.)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp

AGREE, DISAGREE, PASS = 1, -1, 0

MIN_VOTES = 7  # a participant is in the map with ≥ min(7, n statements) votes …
MIN_IN_MAP = 15  # … and the most active are added up to 15.
BASE_K = 100
MAX_GROUPS = 5
K_SMOOTHING_RUNS = 4  # a new number of groups is taken only after winning 4 updates in a row
MIN_PARTICIPANTS = 4  # fewer people in the map than this: "not enough data yet"
Z_90 = 1.2816  # one-sided 90%
MAX_REPRESENTATIVE = 5
MAX_CONSENSUS = 5
SEED = 20240613
KMEANS_ITERS = 100  # Polis's base-iters and group-iters
KMEANS_CHUNK = 8192  # points per block of the k-means distance array (8192 × 100 float64: 6.5 MB)
PCA_MAX_ITERS = 300
PCA_TOL = 1e-12
# An update (warm start from the previous run's state) settles for less: the previous components and
# base centres are already close, and a live conversation is re-analysed again soon.
PCA_TOL_WARM = 1e-6
KMEANS_ITERS_WARM = 10

Direction = Literal["agree", "disagree"]


# --------------------------------------------------------------------------------------------- data


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


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class StatementStat:
    statement: int  # column index in the vote matrix
    direction: Direction
    agree: float  # share of the group (or of everyone, for consensus) who agreed: na / ns
    disagree: float  # nd / ns
    votes: int  # ns, passes included


@dataclass(frozen=True)
class PCAState:
    """What a later run can warm-start from."""

    components: np.ndarray  # (2, n statements)
    center: np.ndarray  # (n statements,)
    k: int = 0  # number of groups shown
    k_candidate: int = 0  # the k that has been winning …
    k_candidate_runs: int = 0  # … for this many updates in a row
    base_centres: np.ndarray | None = None  # (≤ 100, 2) base-cluster centres: the next k-means' start


@dataclass(frozen=True)
class OpinionMap:
    enough_data: bool
    reason: str  # why not, when not enough data; "" otherwise
    participants: np.ndarray  # row indices of the participants in the map, ascending
    groups: np.ndarray  # group id (0…k-1) per participant in the map, same order
    positions: np.ndarray  # (n in map, 2) sparsity-aware projection
    representative: dict[int, list[StatementStat]] = field(default_factory=dict)
    consensus: list[StatementStat] = field(default_factory=list)
    group_consensus: np.ndarray = field(default_factory=lambda: np.zeros(0))  # GIC per statement
    group_consensus_top: list[int] = field(default_factory=list)  # statements by GIC, best first
    silhouette: dict[int, float] = field(default_factory=dict)  # per candidate k
    state: PCAState | None = None

    @property
    def n_groups(self) -> int:
        return int(self.groups.max()) + 1 if self.groups.size else 0


# ------------------------------------------------------------------------------------- participants


def participants_in_map(
    votes: sp.spmatrix | sp.sparray, previously: Sequence[int] | np.ndarray = ()
) -> np.ndarray:
    """Rows clustered by Polis's rule: ≥ min(7, n statements) votes, once in always in; if fewer
    than 15 qualify, the most active voters (ties: lower row first) are added up to 15."""
    csr = _canonical(votes)
    counts = np.diff(csr.indptr)
    threshold = min(MIN_VOTES, csr.shape[1])
    chosen = counts >= threshold
    chosen &= counts > 0
    prev = np.asarray(previously, dtype=np.int64)
    chosen[prev[(prev >= 0) & (prev < csr.shape[0])]] = True
    n_chosen = int(chosen.sum())
    if n_chosen < MIN_IN_MAP:
        order = np.lexsort((np.arange(counts.size), -counts))
        for row in order:
            if n_chosen >= MIN_IN_MAP or counts[row] == 0:
                break
            if not chosen[row]:
                chosen[row] = True
                n_chosen += 1
    return np.flatnonzero(chosen)


# ---------------------------------------------------------------------------------------------- PCA


def _centred(csr: sp.csr_matrix, excluded: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """The mean-imputed, centred matrix in sparse form, and the column means.

    Filling a missing vote with the column mean and then centring on that mean gives exactly 0, so
    the centred matrix has the vote matrix's own pattern: value − mean on each vote, nothing
    elsewhere. Moderated-out statements are 0 for everyone (Polis), so their columns are empty.
    """
    n_votes = np.bincount(csr.indices, minlength=csr.shape[1]).astype(np.float64)
    sums = np.bincount(csr.indices, weights=csr.data.astype(np.float64), minlength=csr.shape[1])
    center = np.divide(sums, n_votes, out=np.zeros_like(sums), where=n_votes > 0)
    center[excluded] = 0.0
    data = csr.data.astype(np.float64) - center[csr.indices]
    data[excluded[csr.indices]] = 0.0
    x = sp.csr_matrix((data, csr.indices, csr.indptr), shape=csr.shape)
    return x, center


def _pca(x: sp.csr_matrix, start: np.ndarray | None, n_comps: int = 2) -> np.ndarray:
    """Top principal axes (n_comps × n statements) of the centred sparse matrix.

    Block power (subspace) iteration on XᵀX with a few extra vectors, then Rayleigh–Ritz, starting
    from the previous components when given (warm start) and from a seeded random block otherwise.
    Signs are fixed (largest |loading| positive) so that runs agree exactly.
    """
    m = x.shape[1]
    block = min(m, n_comps + 4)
    rng = np.random.default_rng(SEED)
    q0 = rng.standard_normal((m, block))
    tol = PCA_TOL
    if start is not None and start.shape == (n_comps, m) and np.all(np.isfinite(start)):
        q0[:, :n_comps] = start.T
        tol = PCA_TOL_WARM
    q, _ = np.linalg.qr(q0)
    xt = x.T.tocsr()
    prev = None
    for _ in range(PCA_MAX_ITERS):
        z = xt @ (x @ q)
        q, _ = np.linalg.qr(z)
        # Convergence: the top n_comps subspace stops moving.
        lead = q[:, :n_comps]
        if prev is not None and np.linalg.norm(lead - prev @ (prev.T @ lead)) < tol * math.sqrt(m):
            break
        prev = lead.copy()
    y = x @ q
    h = y.T @ y
    evals, evecs = np.linalg.eigh(h)
    order = np.argsort(-evals, kind="stable")
    comps = (q @ evecs[:, order[:n_comps]]).T
    for row in comps:
        i = int(np.argmax(np.abs(row)))
        if row[i] < 0:
            row *= -1.0
    if n_comps > block:  # fewer statements than components: pad with zeros
        comps = np.vstack([comps, np.zeros((n_comps - comps.shape[0], m))])
    return np.ascontiguousarray(comps[:n_comps])


def _project(x: sp.csr_matrix, comps: np.ndarray, n_counted: np.ndarray) -> np.ndarray:
    """Sparsity-aware projection: √(n statements / max(n_i, 1)) · Σ_j (R_ij − c_j)·pc_j."""
    raw = np.asarray(x @ comps.T)
    scale = np.sqrt(x.shape[1] / np.maximum(n_counted, 1).astype(np.float64))
    return raw * scale[:, None]


# ------------------------------------------------------------------------------------------ k-means


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """The first k distinct points in their order (Polis's ``init-clusters``)."""
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]].copy()


def _kmeans(
    points: np.ndarray,
    weights: np.ndarray,
    k: int,
    max_iters: int = KMEANS_ITERS,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted Lloyd k-means started, as Polis starts it, from the first k distinct points in order
    (or from ``start``, the previous run's centres).

    Deterministic: no randomness, ties in assignment go to the lower centre index. Returns labels
    numbered by centre index with empty centres dropped (Polis drops empty clusters).
    """
    centres = _first_distinct(points, k) if start is None else np.array(start, dtype=np.float64)
    labels = np.full(points.shape[0], -1)
    n_centres = centres.shape[0]
    for _ in range(max_iters):
        new = _nearest(points, centres)
        if np.array_equal(new, labels):
            break
        labels = new
        # Weighted means per centre in O(n): one bincount per coordinate (no per-centre masks).
        w_sum = np.bincount(labels, weights=weights, minlength=n_centres)
        filled = w_sum > 0
        for d in range(points.shape[1]):
            total = np.bincount(labels, weights=points[:, d] * weights, minlength=n_centres)
            centres[filled, d] = total[filled] / w_sum[filled]
    used = np.unique(labels)
    return np.searchsorted(used, labels)


def _nearest(points: np.ndarray, centres: np.ndarray, chunk: int = KMEANS_CHUNK) -> np.ndarray:
    """Index of the nearest centre per point (ties: the lower index), in chunks of points so that
    the distance array stays at ``chunk × k`` (a few MB) instead of n × k × dims."""
    n, dims = points.shape
    labels = np.empty(n, dtype=np.int64)
    ct = np.ascontiguousarray(centres.T)  # (dims, k)
    for lo in range(0, n, chunk):
        block = points[lo : lo + chunk]
        # Squared distance summed over the coordinates in order, as ((p − c)²).sum(axis=-1) does for 2-D.
        dist = (block[:, 0:1] - ct[0]) ** 2
        for d in range(1, dims):
            dist += (block[:, d : d + 1] - ct[d]) ** 2
        labels[lo : lo + chunk] = np.argmin(dist, axis=1)
    return labels


def _renumber(labels: np.ndarray) -> np.ndarray:
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    mapping = np.empty(labels.max() + 1, dtype=np.int64)
    mapping[np.unique(labels)[order]] = np.arange(order.size)
    return mapping[labels]


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of the points (base-cluster centres: ≤ 100, so a full distance matrix)."""
    k = int(labels.max()) + 1
    if k < 2:
        return -1.0
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    scores = np.zeros(points.shape[0])
    for i in range(points.shape[0]):
        own = labels == labels[i]
        n_own = int(own.sum())
        if n_own <= 1:
            continue  # singleton: silhouette 0
        a = dist[i, own].sum() / (n_own - 1)
        b = min(dist[i, labels == c].mean() for c in range(k) if c != labels[i] and (labels == c).any())
        denom = max(a, b)
        scores[i] = (b - a) / denom if denom > 0 else 0.0
    return float(scores.mean())


# ------------------------------------------------------------------------------------------ repness


def _group_counts(
    csr: sp.csr_matrix, rows: np.ndarray, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group × statement: agrees, disagrees and votes seen (passes included)."""
    sub = csr[rows]
    membership = sp.csr_matrix((np.ones(rows.size), (labels, np.arange(rows.size))), shape=(k, rows.size))
    data = sub.data
    pattern = sp.csr_matrix((np.ones(data.size), sub.indices, sub.indptr), shape=sub.shape)
    agree = sp.csr_matrix(((data == AGREE).astype(np.float64), sub.indices, sub.indptr), shape=sub.shape)
    disagree = sp.csr_matrix(
        ((data == DISAGREE).astype(np.float64), sub.indices, sub.indptr), shape=sub.shape
    )
    na = np.asarray((membership @ agree).todense())
    nd = np.asarray((membership @ disagree).todense())
    ns = np.asarray((membership @ pattern).todense())
    return na, nd, ns


def _prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 2.0 * np.sqrt(n + 1.0) * ((succ + 1.0) / (n + 1.0) - 0.5)


def _two_prop_test(s1: np.ndarray, n1: np.ndarray, s2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    p1 = (s1 + 1.0) / (n1 + 1.0)
    p2 = (s2 + 1.0) / (n2 + 1.0)
    pooled = (s1 + s2 + 2.0) / (n1 + n2 + 2.0)
    var = pooled * (1.0 - pooled) * (1.0 / (n1 + 1.0) + 1.0 / (n2 + 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(var)
    return np.where((pooled >= 1.0) | (var <= 0), 0.0, z)


def _representative(
    na: np.ndarray, nd: np.ndarray, ns: np.ndarray, allowed: np.ndarray
) -> dict[int, list[StatementStat]]:
    k = na.shape[0]
    tot_a, tot_d, tot_s = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    out: dict[int, list[StatementStat]] = {}
    for g in range(k):
        a, d, s = na[g], nd[g], ns[g]
        ra_, rd_, rs_ = tot_a - a, tot_d - d, tot_s - s
        pa = (a + 1.0) / (s + 2.0)
        pd = (d + 1.0) / (s + 2.0)
        pat, pdt = _prop_test(a, s), _prop_test(d, s)
        ra = pa / ((ra_ + 1.0) / (rs_ + 2.0))
        rd = pd / ((rd_ + 1.0) / (rs_ + 2.0))
        rat, rdt = _two_prop_test(a, s, ra_, rs_), _two_prop_test(d, s, rd_, rs_)
        agree_side = ra >= rd  # Polis: the better of the two repness values picks the direction
        metric = np.where(agree_side, ra * rat * pa * pat, rd * rdt * pd * pdt)
        passes = np.where(agree_side, (rat > Z_90) & (pat > Z_90), (rdt > Z_90) & (pdt > Z_90))
        cand = np.flatnonzero(passes & allowed & (s > 0))
        cand = cand[np.lexsort((cand, -metric[cand]))][:MAX_REPRESENTATIVE]
        stats = [
            StatementStat(
                statement=int(j),
                direction="agree" if agree_side[j] else "disagree",
                agree=float(a[j] / s[j]),
                disagree=float(d[j] / s[j]),
                votes=int(s[j]),
            )
            for j in cand
        ]
        stats.sort(key=lambda st: st.direction != "agree")  # stable: best agree first, then disagree
        out[g] = stats
    return out


def _consensus(na: np.ndarray, nd: np.ndarray, ns: np.ndarray, allowed: np.ndarray) -> list[StatementStat]:
    a, d, s = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    out: list[StatementStat] = []
    for direction, succ in (("agree", a), ("disagree", d)):
        p = (succ + 1.0) / (s + 2.0)
        t = _prop_test(succ, s)
        cand = np.flatnonzero((p > 0.5) & (t > Z_90) & allowed & (s > 0))
        cand = cand[np.lexsort((cand, -(p * t)[cand]))][:MAX_CONSENSUS]
        out.extend(
            StatementStat(
                statement=int(j),
                direction=direction,  # type: ignore[arg-type]
                agree=float(a[j] / s[j]),
                disagree=float(d[j] / s[j]),
                votes=int(s[j]),
            )
            for j in cand
        )
    return out


# ------------------------------------------------------------------------------------------ analyse


def _not_enough(reason: str, rows: np.ndarray, state: PCAState | None = None) -> OpinionMap:
    return OpinionMap(
        enough_data=False,
        reason=reason,
        participants=rows,
        groups=np.zeros(rows.size, dtype=np.int64),
        positions=np.zeros((rows.size, 2)),
        state=state,
    )


def analyse(
    votes: sp.spmatrix | sp.sparray,
    *,
    excluded_statements: Sequence[int] | np.ndarray = (),
    previous: PCAState | None = None,
    previously_in_map: Sequence[int] | np.ndarray = (),
) -> OpinionMap:
    """Opinion groups, representative and consensus statements of a vote matrix.

    ``excluded_statements``: columns moderated out (or meta), 0 for everyone as in Polis and never
    reported. ``previous``: the last run's :attr:`OpinionMap.state` (PCA warm start, k smoothing).
    """
    csr = _canonical(votes)
    m = csr.shape[1]
    excluded = np.zeros(m, dtype=bool)
    ex_idx = np.asarray(excluded_statements, dtype=np.int64)
    excluded[ex_idx[(ex_idx >= 0) & (ex_idx < m)]] = True
    rows = participants_in_map(csr, previously_in_map)
    if rows.size < MIN_PARTICIPANTS:
        return _not_enough(
            f"not enough data yet: {rows.size} participant(s) in the map, at least {MIN_PARTICIPANTS} needed",
            rows,
        )
    if int((~excluded).sum()) < 2:
        return _not_enough("not enough data yet: fewer than 2 statements", rows)

    x, center = _centred(csr, excluded)
    start = previous.components if previous is not None else None
    comps = _pca(x, start)
    state = PCAState(components=comps, center=center)
    # Projection: moderated-out columns count as voted (Polis sets them to 0 for everyone).
    n_counted = np.diff(csr.indptr) - np.asarray(
        sp.csr_matrix(
            (excluded[csr.indices].astype(np.float64), csr.indices, csr.indptr), shape=csr.shape
        ).sum(axis=1)
    ).ravel().astype(np.int64)
    n_counted = n_counted + int(excluded.sum())
    positions = _project(x[rows], comps, n_counted[rows])

    spread = float(np.abs(positions - positions.mean(axis=0)).max()) if positions.size else 0.0
    if not np.isfinite(spread) or spread < 1e-9:
        return _not_enough("not enough data yet: everyone in the map voted alike", rows, state)
    distinct = np.unique(np.round(positions, 12), axis=0)
    if distinct.shape[0] < 2:
        return _not_enough("not enough data yet: everyone in the map voted alike", rows, state)

    # Base clusters (k = 100, or one per distinct position when fewer).
    # An update starts from the previous run's base centres, as Polis does (fewer iterations).
    base_k = min(BASE_K, distinct.shape[0])
    warm = previous.base_centres if previous is not None else None
    if warm is not None and not (warm.shape == (base_k, 2) and np.all(np.isfinite(warm))):
        warm = None
    if warm is not None and previous is not None and previous.components.shape == comps.shape:
        # Into the new axes: a component's sign (largest loading positive) or order may have changed.
        warm = warm @ (previous.components @ comps.T)
    base = _kmeans(
        positions, np.ones(rows.size), base_k, KMEANS_ITERS if warm is None else KMEANS_ITERS_WARM, warm
    )
    n_base = int(base.max()) + 1
    sizes = np.bincount(base, minlength=n_base).astype(np.float64)
    order = np.argsort(base, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes.astype(np.int64))])
    centres = np.vstack([positions[order[bounds[b] : bounds[b + 1]]].mean(axis=0) for b in range(n_base)])

    # Groups: weighted k-means on the base centres, k by silhouette, then k smoothing.
    max_k = min(MAX_GROUPS, 2 + n_base // 12, n_base)
    if max_k < 2:
        return _not_enough("not enough data yet: too few distinct opinions", rows, state)
    by_k: dict[int, np.ndarray] = {}
    silhouette: dict[int, float] = {}
    for k in range(2, max_k + 1):
        labels = _kmeans(centres, sizes, k)
        by_k[k] = labels
        silhouette[k] = _silhouette(centres, labels)
    best_k = min(silhouette, key=lambda kk: (-silhouette[kk], kk))
    k_shown, cand, runs = best_k, best_k, 1
    if previous is not None and previous.k in by_k:
        cand_prev, runs_prev = previous.k_candidate, previous.k_candidate_runs
        runs = runs_prev + 1 if cand_prev == best_k else 1
        cand = best_k
        k_shown = best_k if (best_k == previous.k or runs >= K_SMOOTHING_RUNS) else previous.k
    group_of_base = by_k[k_shown]
    groups = _renumber(group_of_base[base])
    state = PCAState(
        components=comps,
        center=center,
        k=k_shown,
        k_candidate=cand,
        k_candidate_runs=runs,
        base_centres=centres if n_base == base_k else None,
    )

    na, nd, ns = _group_counts(csr, rows, groups, int(groups.max()) + 1)
    allowed = ~excluded
    representative = _representative(na, nd, ns, allowed)
    consensus = _consensus(na, nd, ns, allowed)
    gic = np.prod((na + 1.0) / (ns + 2.0), axis=0)
    gic = np.where(allowed, gic, 0.0)
    gic_top = [int(j) for j in np.lexsort((np.arange(m), -gic))[:MAX_CONSENSUS] if allowed[j]]
    return OpinionMap(
        enough_data=True,
        reason="",
        participants=rows,
        groups=groups,
        positions=positions,
        representative=representative,
        consensus=consensus,
        group_consensus=gic,
        group_consensus_top=gic_top,
        silhouette=silhouette,
        state=state,
    )


# ----------------------------------------------------------------------------------- Polis openData

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
