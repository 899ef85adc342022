"""`civicloop bench opinions`: opinion mapping on a synthetic conversation with planted groups.

No database: the participants × statements int8 vote matrix is built directly with numpy (seeded),
as :func:`civicloop.deliberation.analysis.vote_matrix` builds it from stored votes, and
:func:`civicloop.deliberation.analysis.analyse` is timed on it.

The conversation. Participants belong to ``groups`` planted groups of unequal size (shares 45/35/20 %
for three). Each group has a stance per statement (agree or disagree; one statement in 10 is a
consensus statement with the same stance for every group) and a strength drawn per group and
statement from 0.85–0.95: a member follows the stance with that probability, otherwise opposes it in
6 cases of 10 and passes in 4. (Weaker stances, 0.60–0.85, gave an ARI of 0.79 at 50,000 × 2,000:
participants with 7–15 votes are then too noisy to place; among those with ≥ 60 votes it was 0.99.)
Participants vote on a geometric number of statements with mean
``votes_per_participant`` (so some vote on a handful and stay out of the map), picked with a weight
decaying as (j + 50)^-0.8 over the statement index j: early statements get more votes, as Polis's
routing gives them (at 2,000 statements the first 200 get about a third of the votes). A pick
repeated by one participant is one vote.

The update: 1 % more votes (the same rules, from randomly chosen participants), then ``analyse``
again with the first run's state (PCA warm start, k smoothing, base-cluster warm start) and its
participants in the map ("once in, always in"), as a live conversation re-runs.
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from civicloop.deliberation import analysis

SEED = 2026
SHARES = {2: (0.6, 0.4), 3: (0.45, 0.35, 0.2), 4: (0.35, 0.3, 0.2, 0.15), 5: (0.3, 0.25, 0.2, 0.15, 0.1)}
CONSENSUS_EVERY = 10
ROUTING_OFFSET = 50.0
ROUTING_POWER = 0.8
STRENGTH_MIN, STRENGTH_MAX = 0.85, 0.95  # a member follows the group's stance this often


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def adjusted_rand_index(truth: np.ndarray, labels: np.ndarray) -> float:
    """Adjusted Rand index (Hubert and Arabie), as scikit-learn's ``adjusted_rand_score``."""
    truth = np.asarray(truth)
    labels = np.asarray(labels)
    n = truth.size
    if n < 2:
        return 1.0
    _, t = np.unique(truth, return_inverse=True)
    _, g = np.unique(labels, return_inverse=True)
    table = np.zeros((int(t.max()) + 1, int(g.max()) + 1), dtype=np.int64)
    np.add.at(table, (t, g), 1)

    def pairs(x: np.ndarray) -> float:
        x = x.astype(np.float64)
        return float((x * (x - 1.0) / 2.0).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = n * (n - 1) / 2.0
    expected = rows * cols / total
    maximum = (rows + cols) / 2.0
    if maximum == expected:  # both partitions trivial (one cluster, or all singletons)
        return 1.0
    return (index - expected) / (maximum - expected)


class Conversation:
    """A synthetic conversation: planted groups, stances and a vote generator."""

    def __init__(self, participants: int, statements: int, groups: int, seed: int) -> None:
        self.n, self.m, self.k = participants, statements, groups
        self.rng = np.random.default_rng(seed)
        shares = np.asarray(SHARES[groups])
        self.truth = self.rng.choice(groups, size=participants, p=shares)
        stance = self.rng.choice(np.array([-1, 1], dtype=np.int8), size=(groups, statements))
        consensus = np.arange(statements) % CONSENSUS_EVERY == CONSENSUS_EVERY - 1
        stance[:, consensus] = stance[0, consensus]
        self.stance = stance
        self.strength = self.rng.uniform(STRENGTH_MIN, STRENGTH_MAX, size=(groups, statements))
        weight = (np.arange(statements) + ROUTING_OFFSET) ** -ROUTING_POWER
        self.cdf = np.cumsum(weight / weight.sum())

    def votes(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One vote per entry of ``who`` (participant rows): statement picked by routing weight."""
        cols = np.minimum(np.searchsorted(self.cdf, self.rng.random(who.size)), self.m - 1)
        g = self.truth[who]
        side = self.stance[g, cols]
        u = self.rng.random(who.size)
        follow = self.strength[g, cols]
        oppose = follow + (1.0 - follow) * 0.6
        vals = np.where(u < follow, side, np.where(u < oppose, -side, 0)).astype(np.int8)
        return who, cols.astype(np.int64), vals

    def first_votes(self, per_participant: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = self.rng.geometric(1.0 / per_participant, size=self.n)
        who = np.repeat(np.arange(self.n, dtype=np.int64), counts)
        return self.votes(who)


def run_opinions(
    *,
    participants: int,
    statements: int,
    groups: int = 3,
    votes_per_participant: float = 50.0,
    seed: int = SEED,
) -> dict[str, Any]:
    """Build the conversation, time ``analyse`` and a warm-started update; one JSON-able dict."""
    if groups not in SHARES:
        raise ValueError(f"groups must be from {min(SHARES)} to {max(SHARES)}")
    baseline = _rss_mb()
    started = time.perf_counter()
    conv = Conversation(participants, statements, groups, seed)
    rows, cols, vals = conv.first_votes(votes_per_participant)
    matrix = analysis.vote_matrix(rows, cols, vals, (participants, statements))
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    result = analysis.analyse(matrix)
    seconds = time.perf_counter() - started
    peak = _rss_mb()

    # 1 % new votes from random participants; a repeated (participant, statement) pair is a changed vote.
    n_new = max(1, matrix.nnz // 100)
    new_rows, new_cols, new_vals = conv.votes(conv.rng.integers(0, participants, size=n_new))
    coo = matrix.tocoo()
    updated = analysis.vote_matrix(
        np.concatenate([coo.row.astype(np.int64), new_rows]),
        np.concatenate([coo.col.astype(np.int64), new_cols]),
        np.concatenate([coo.data, new_vals]),
        matrix.shape,
    )
    started = time.perf_counter()
    again = analysis.analyse(updated, previous=result.state, previously_in_map=result.participants)
    update_seconds = time.perf_counter() - started
    del coo

    ari = adjusted_rand_index(conv.truth[result.participants], result.groups) if result.enough_data else 0.0
    ari_update = (
        adjusted_rand_index(conv.truth[again.participants], again.groups) if again.enough_data else 0.0
    )
    return {
        "participants": participants,
        "statements": statements,
        "votes": int(matrix.nnz),
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(max(peak, _rss_mb()), 1),
        "baseline_rss_mb": round(baseline, 1),
        "ari_planted": round(ari, 4),
        "update_seconds": round(update_seconds, 3),
        "update_votes": int(updated.nnz - matrix.nnz),
        "ari_planted_update": round(ari_update, 4),
        "in_map": int(result.participants.size),
        "groups": int(result.n_groups),
        "planted_groups": groups,
        "build_seconds": round(build_seconds, 3),
        "seed": seed,
        "cpus": os.cpu_count(),
    }


def matrix_for(participants: int, statements: int, groups: int = 3, seed: int = SEED) -> sp.csr_matrix:
    """The benchmark's first vote matrix alone (for profiling)."""
    conv = Conversation(participants, statements, groups, seed)
    rows, cols, vals = conv.first_votes(50.0)
    return analysis.vote_matrix(rows, cols, vals, (participants, statements))
