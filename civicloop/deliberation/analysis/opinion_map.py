"""``analyse``: who is in the map, their positions, the base clusters and groups (with k smoothing), and
the groups' representative and consensus statements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from civicloop.deliberation.analysis.clustering import _kmeans, _renumber, _silhouette
from civicloop.deliberation.analysis.parameters import (
    BASE_K,
    K_SMOOTHING_RUNS,
    KMEANS_ITERS,
    KMEANS_ITERS_WARM,
    MAX_CONSENSUS,
    MAX_GROUPS,
    MIN_IN_MAP,
    MIN_PARTICIPANTS,
    MIN_VOTES,
)
from civicloop.deliberation.analysis.projection import _centred, _pca, _project
from civicloop.deliberation.analysis.representative import _consensus, _group_counts, _representative
from civicloop.deliberation.analysis.results import OpinionMap, PCAState
from civicloop.deliberation.analysis.votes import _canonical


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
