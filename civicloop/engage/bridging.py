"""Bridging rank of a question's ideas: support *across* opinion groups, not the raw count (issue 13, item 5).

Kept as one module: one algorithm (fit, opinion sides, score, rank) whose steps share its parameters.

Plain functions, no Django. The model is Community Notes' matrix factorisation with one factor,
fitted to who supports what:

    r_ui ≈ μ + b_u + b_i + f_u · f_i

r_ui is 1 when participant u supports idea i and 0 when u could have supported i and did not. The
factor f_u · f_i takes up what one side supports and the other does not (an organised bloc), the
participant intercept b_u how freely someone supports, and the idea intercept b_i what is left: how
much the idea is supported as seen from between the sides. Three steps keep a bloc of many accounts
from carrying its ideas to the top (see bridging_fit_balanced and bridging_score):

1. sides: two ideas whose supporters overlap far less than chance mark two opinion sides
   (opposed_ideas); a fit started from them, each idea weighing the same, gives every participant a
   side (the sign of f_u). No such pair: there is nothing to bridge and ideas go by b_i alone;
2. the ranking fit counts the two sides as equally many people, as group-informed consensus gives
   each group an equal say (otherwise the factor's zero, and so the intercept, lies in the bigger bloc);
3. an idea's score is its support on the side that supports it less, net of each participant's
   μ + b_u (bridging_score): the intercept alone credits an idea only one bloc supports with about
   half its bloc's rate (Community Notes caps |f_i| for the same reason).

"Could have supported": supports carry no explicit "no", so a participant counts as having seen every
idea posted no later than their last support in the question (and every idea they supported). Ideas
ordered by posting time make each participant's seen ideas a prefix of that order, so every sum over
the observed pairs is a cumulative sum (O(participants + ideas)) plus a sparse product over the supports
(O(supports)): the participants × ideas matrix is never built, nor looped over in Python.

Regularisation as Community Notes (``matrix_factorization.py``): its loss is the *mean* squared error
plus λ times the *mean* square of each parameter kind, λ = 0.03 for factors and 5 × 0.03 = 0.15 for
intercepts (the global one included). Multiplied out to a sum over the N observed pairs, a participant's
parameters get λ · N / (participants) on average, an idea's λ · N / (ideas). We spread those totals
in proportion to each one's own observations (λ · n_u, λ · n_i), so that an early participant who saw
few ideas, or a new idea few could see yet, is shrunk by the same share as the rest; equal shares
favoured the oldest ideas on simulated questions. Heavier intercepts mean a pattern is explained by
the factor (a side) before it is credited to an idea's intercept.

Fitted by alternating least squares: each idea's (b_i, f_i) and each participant's (b_u, f_u) is a 2 × 2
ridge solve given the other side, then μ; each step lowers the loss, so it settles. Deterministic: a
fixed seed for the participants' starting factors, participants and ideas in sorted id order, ties
broken by id, a fixed number of steps at most; the same supports give the same order bit for bit on
one machine and numpy build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

L2_FACTOR = 0.03  # Community Notes' l2_lambda
L2_INTERCEPT = 5 * L2_FACTOR  # … and its l2_intercept_multiplier
SEED = 20260613
MAX_STEPS = 200
# Finding sides needs only the sign of each f_u, which settles long before the values do.
SIDES_STEPS = 50
TOLERANCE = 1e-6  # largest change of any parameter in one step: far below any gap that orders ideas
# Side finding scales each idea by 1 / sqrt(p(1 − p)); the floor keeps an idea almost no one (or
# almost everyone) supports from weighing 10 times more than others (p = 1 %: sqrt(0.0099) ≈ 0.1).
SCALE_FLOOR = 0.01

# An idea fewer people could have supported than this has no bridging score yet: it comes after the
# scored ideas, newest first (the fair rotation is the order that gets new ideas read).
MIN_OBSERVERS = 5
SIDE_PRIOR = 5.0  # pseudo-observers at "no more than usual" in each side's support of an idea
# Bridging becomes the question's default order once it has something to bridge: at least
# MIN_SUPPORTERS people supported an idea, at least MIN_SCORED ideas are scored, and two opinion
# sides show (opposed_ideas): two ideas, each backed by at least FACTION_SHARE of the supporters
# (and FACTION_MIN people), whose supporters overlap at most OPPOSED_RATIO of what chance predicts
# and FACTION_Z Poisson deviations below it (4: one-sided p ≈ 3e-5, strict because a question's
# ideas make many pairs).
MIN_SUPPORTERS = 50
MIN_SCORED = 3
FACTION_SHARE = 0.05
FACTION_MIN = 5
FACTION_Z = 4.0
OPPOSED_RATIO = 0.5
MAX_PAIRED_IDEAS = 200  # the most supported; ideas backed by 5 % of supporters are rarely more


@dataclass(frozen=True)
class BridgingFit:
    """The fitted one-factor model; arrays are in the caller's participant and idea index order."""

    global_intercept: float
    participant_intercepts: np.ndarray
    participant_factors: np.ndarray  # the larger side is negative, as Community Notes flips it
    idea_intercepts: np.ndarray
    idea_factors: np.ndarray
    observers: np.ndarray  # per idea: the participants who could have supported it
    steps: int


@dataclass(frozen=True)
class BridgingRank:
    """Idea ids in bridging order, and whether the data is enough for bridging to be the default."""

    idea_ids: list[int]  # scored ideas by score (best first), then unscored ideas, newest first
    scored: int
    supporters: int
    sides_found: bool  # two opposed ideas were found (opposed_ideas): the order weighs the sides equally
    ready: bool  # enough data (MIN_SUPPORTERS, MIN_SCORED) and sides found: bridging is the default


class _Staircase:
    """Sums over the observed pairs: participant u saw the ideas at positions 0 … seen[u] − 1."""

    def __init__(self, seen: np.ndarray, n_ideas: int) -> None:
        self.seen = seen
        self.n_ideas = n_ideas

    def per_idea(self, values: np.ndarray) -> np.ndarray:
        """For each idea position j: the sum of values[u] over the participants who saw it."""
        buckets = np.bincount(self.seen, weights=values, minlength=self.n_ideas + 1)
        return np.cumsum(buckets[::-1])[::-1][1:]

    def per_participant(self, values: np.ndarray) -> np.ndarray:
        """For each participant u: the sum of values[j] over the ideas u saw."""
        prefix = np.concatenate(([0.0], np.cumsum(values)))
        return prefix[self.seen]


def _ridge2(
    n: np.ndarray,
    sum_f: np.ndarray,
    sum_ff: np.ndarray,
    res: np.ndarray,
    res_f: np.ndarray,
    l2_intercept: np.ndarray,
    l2_factor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve [[n + λb, Σf], [Σf, Σf² + λf]] · [b, f] = [Σe, Σef] for every row at once."""
    a11 = n + l2_intercept
    a22 = sum_ff + l2_factor
    det = a11 * a22 - sum_f * sum_f  # > 0: the matrix is a Gram matrix plus a positive diagonal
    return (a22 * res - sum_f * res_f) / det, (a11 * res_f - sum_f * res) / det


def bridging_fit(
    *,
    support_participants: np.ndarray,
    support_ideas: np.ndarray,
    seen: np.ndarray,
    n_ideas: int,
    weights: np.ndarray | None = None,
    support_values: np.ndarray | None = None,
    start_factors: np.ndarray | None = None,
    max_steps: int = MAX_STEPS,
) -> BridgingFit:
    """Fit the one-factor model to supports, ideas indexed in posting order.

    `support_participants[k]` supports idea position `support_ideas[k]` (unique pairs); participant u
    could have supported the ideas at positions 0 … seen[u] − 1 (seen[u] is raised to cover u's own
    supports). Participants are 0 … len(seen) − 1. `weights` counts participant u as weights[u]
    people (data and regularisation alike, as if copied). `support_values` replaces the 1 of each
    support (a non-support stays 0); `start_factors` replaces the seeded start of the f_u.
    """
    n_people = int(np.asarray(seen).size)
    rows = np.asarray(support_participants, dtype=np.int64)
    cols = np.asarray(support_ideas, dtype=np.int64)
    seen = _seen_covering(seen, rows, cols, n_ideas)
    w = np.ones(n_people) if weights is None else np.asarray(weights, dtype=np.float64)
    values = np.ones(rows.size) if support_values is None else np.asarray(support_values, dtype=np.float64)
    supports = sp.csr_matrix((values, (rows, cols)), shape=(n_people, n_ideas), dtype=np.float64)
    supports_t = supports.T.tocsr()
    stairs = _Staircase(seen, n_ideas)

    per_idea_n = stairs.per_idea(w)
    per_person_n = seen.astype(np.float64)
    per_idea_s = supports_t @ w
    per_person_s = np.asarray(supports.sum(axis=1)).ravel()
    observed = float(w @ per_person_n)
    # Community Notes' participant regularisation in total (λ · N), but spread in proportion to each
    # participant's own observations: one who saw 5 ideas and supported all 5 keeps that eagerness in
    # b_u instead of crediting it to the 5 oldest ideas (everyone who came early saw only those).
    lp_b = L2_INTERCEPT * np.maximum(per_person_n, 1.0)
    lp_f = L2_FACTOR * np.maximum(per_person_n, 1.0)
    # Likewise per idea, in proportion to its observers: shrinking an old idea (seen by everyone) and a
    # new one (seen by the few since) by the same share keeps the order from favouring either.
    li_b = L2_INTERCEPT * np.maximum(per_idea_n, 1.0)
    li_f = L2_FACTOR * np.maximum(per_idea_n, 1.0)
    l_mu = L2_INTERCEPT * observed

    if start_factors is None:
        rng = np.random.default_rng(SEED)
        f_u = rng.uniform(-1.0, 1.0, n_people) * np.sqrt(6.0 / (n_people + 1))  # Xavier, as CN starts
    else:
        f_u = np.asarray(start_factors, dtype=np.float64)
    b_u = np.zeros(n_people)
    b_i = np.zeros(n_ideas)
    f_i = np.zeros(n_ideas)
    mu = 0.0
    steps = 0
    while steps < max_steps:
        steps += 1
        # Ideas given participants (each participant's terms weighted).
        wf = w * f_u
        sum_f = stairs.per_idea(wf)
        new_b_i, new_f_i = _ridge2(
            per_idea_n,
            sum_f,
            stairs.per_idea(wf * f_u),
            per_idea_s - mu * per_idea_n - stairs.per_idea(w * b_u),
            supports_t @ wf - mu * sum_f - stairs.per_idea(wf * b_u),
            li_b,
            li_f,
        )
        # Participants given ideas: a weight scales a participant's data and penalty alike.
        sum_g = stairs.per_participant(new_f_i)
        new_b_u, new_f_u = _ridge2(
            per_person_n,
            sum_g,
            stairs.per_participant(new_f_i * new_f_i),
            per_person_s - mu * per_person_n - stairs.per_participant(new_b_i),
            supports @ new_f_i - mu * sum_g - stairs.per_participant(new_b_i * new_f_i),
            lp_b,
            lp_f,
        )
        # The global intercept given both.
        explained = w @ (per_person_n * new_b_u + new_f_u * stairs.per_participant(new_f_i))
        explained += per_idea_n @ new_b_i
        new_mu = (float(w @ per_person_s) - explained) / (observed + l_mu) if observed else 0.0
        change = max(
            float(np.max(np.abs(new_b_i - b_i), initial=0.0)),
            float(np.max(np.abs(new_f_i - f_i), initial=0.0)),
            float(np.max(np.abs(new_b_u - b_u), initial=0.0)),
            float(np.max(np.abs(new_f_u - f_u), initial=0.0)),
            abs(new_mu - mu),
        )
        b_i, f_i, b_u, f_u, mu = new_b_i, new_f_i, new_b_u, new_f_u, new_mu
        if change < TOLERANCE:
            break

    # Identify the factor's sign as Community Notes does: the larger side of participants is negative.
    nonzero = np.count_nonzero(f_u)
    if nonzero and np.count_nonzero(f_u < 0) * 2 < nonzero:
        f_u, f_i = -f_u, -f_i
    return BridgingFit(
        global_intercept=float(mu),
        participant_intercepts=b_u,
        participant_factors=f_u,
        idea_intercepts=b_i,
        idea_factors=f_i,
        observers=stairs.per_idea(np.ones(n_people)),
        steps=steps,
    )


def bridging_fit_balanced(
    *,
    support_participants: np.ndarray,
    support_ideas: np.ndarray,
    seen: np.ndarray,
    n_ideas: int,
    opposed: tuple[int, int],
) -> BridgingFit:
    """Find the two sides, starting from two opposed ideas, then fit with the sides weighted equally.

    Sides: the sign of f_u in a fit started with +1 for the supporters of one opposed idea and −1 for
    those of the other, where each idea's supports are scaled by 1 / sqrt(p(1 − p)) (p its support
    rate) so that every idea weighs the same: unscaled, one evenly split popular idea has the most
    variance and the factor would become "supports that idea or not".

    Weights: an unweighted fit sees support from the participants' average, and the average of a
    question where one bloc brought many accounts lies inside that bloc. Counting each participant as
    (participants) / (2 × their side's size) people, as group-informed consensus gives each group an
    equal say, makes the sides equal in size for the fit that ranks.
    """
    rows = np.asarray(support_participants, dtype=np.int64)
    cols = np.asarray(support_ideas, dtype=np.int64)
    n_people = int(np.asarray(seen).size)
    start = np.zeros(n_people)
    np.add.at(start, rows[cols == opposed[0]], 1.0)
    np.add.at(start, rows[cols == opposed[1]], -1.0)
    stairs = _Staircase(_seen_covering(seen, rows, cols, n_ideas), n_ideas)
    rate = np.bincount(cols, minlength=n_ideas) / np.maximum(stairs.per_idea(np.ones(n_people)), 1.0)
    scale = 1.0 / np.sqrt(np.maximum(rate * (1.0 - rate), SCALE_FLOOR))
    first = bridging_fit(
        support_participants=rows,
        support_ideas=cols,
        seen=seen,
        n_ideas=n_ideas,
        support_values=scale[cols],
        start_factors=start,
        max_steps=SIDES_STEPS,
    )
    negative = first.participant_factors < 0
    sizes = np.array([np.count_nonzero(~negative), np.count_nonzero(negative)], dtype=np.float64)
    weights = None
    if sizes.min() > 0:
        weights = n_people / (2.0 * sizes[negative.astype(np.int64)])
    return bridging_fit(
        support_participants=rows,
        support_ideas=cols,
        seen=seen,
        n_ideas=n_ideas,
        weights=weights,
        start_factors=first.participant_factors,
    )


def bridging_score(
    fit: BridgingFit, *, rows: np.ndarray, cols: np.ndarray, seen: np.ndarray, n_ideas: int
) -> np.ndarray:
    """Each idea's support on the side that supports it less, net of how freely its people support.

    For each side (the sign of f_u) and idea: the mean of r_ui − μ − b_u over the side's participants
    who could have supported it, with SIDE_PRIOR observers at 0 added so a side that barely saw an
    idea does not decide it; the score is the lower side's. The intercept alone is support as seen
    from between the sides, and a linear factor cannot bend: a bloc's idea that neither the other
    side nor the many in between support keeps about half its bloc's rate as intercept (Community
    Notes caps |f_i| for the same reason). With no second side the score is the intercept.
    """
    f_u = fit.participant_factors
    negative = f_u < 0
    if negative.all() or not negative.any():
        return fit.idea_intercepts.copy()
    seen = _seen_covering(seen, rows, cols, n_ideas)
    stairs = _Staircase(seen, n_ideas)
    eager = fit.global_intercept + fit.participant_intercepts
    sides = []
    for member in (negative, ~negative):
        weight = member.astype(np.float64)
        observers = stairs.per_idea(weight)
        supports = np.bincount(cols, weights=weight[rows], minlength=n_ideas)
        sides.append((supports - stairs.per_idea(weight * eager)) / (observers + SIDE_PRIOR))
    return np.minimum(sides[0], sides[1])


def _index_of(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The index of each value in keys (any order, unique), and whether it is there at all."""
    if keys.size == 0:
        return np.zeros(values.size, dtype=np.int64), np.zeros(values.size, dtype=bool)
    order = np.argsort(keys, kind="stable")
    where = np.clip(np.searchsorted(keys, values, sorter=order), 0, keys.size - 1)
    found = keys[order[where]] == values
    return order[where].astype(np.int64), found


def _seen_covering(seen: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_ideas: int) -> np.ndarray:
    """seen[u] raised to cover u's own supports."""
    covered = np.asarray(seen, dtype=np.int64).copy()
    if rows.size:
        np.maximum.at(covered, rows, cols + 1)
    return np.clip(covered, 0, n_ideas)


def opposed_ideas(
    *, rows: np.ndarray, cols: np.ndarray, seen: np.ndarray, n_ideas: int
) -> tuple[int, int] | None:
    """Two ideas whose supporters are two sides: they overlap far less than chance, or None.

    Among ideas each supported by at least FACTION_SHARE of the supporters (and FACTION_MIN people),
    the pair whose co-supporters fall furthest below what independent support predicts (rate × rate
    × people who saw both), counted only when they are at most OPPOSED_RATIO of that prediction and
    below it by FACTION_Z Poisson standard deviations. Activity makes supporters of any two ideas
    overlap *more* than chance, so a deficit this large is two groups backing different things.
    """
    n_people = int(seen.size)
    seen = _seen_covering(seen, rows, cols, n_ideas)
    counts = np.bincount(cols, minlength=n_ideas)
    big = np.flatnonzero(counts >= max(FACTION_MIN, FACTION_SHARE * n_people))
    if big.size < 2:
        return None
    big = big[np.argsort(-counts[big], kind="stable")[:MAX_PAIRED_IDEAS]]
    observers = _Staircase(seen, n_ideas).per_idea(np.ones(n_people))
    column = np.full(n_ideas, -1, dtype=np.int64)
    column[big] = np.arange(big.size)
    mine = column[cols] >= 0
    sub = sp.csr_matrix(
        (np.ones(int(mine.sum())), (rows[mine], column[cols[mine]])), shape=(n_people, big.size)
    )
    together = (sub.T @ sub).toarray()
    rate = counts[big] / np.maximum(observers[big], 1.0)
    both = observers[np.maximum.outer(big, big)]  # seeing the later idea means seeing both
    expected = np.outer(rate, rate) * both
    np.fill_diagonal(expected, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(expected > 0, (together - expected) / np.sqrt(expected), 0.0)
    opposed = (z <= -FACTION_Z) & (together <= OPPOSED_RATIO * expected)
    if not opposed.any():
        return None
    flat = int(np.argmin(np.where(opposed, z, np.inf)))  # ties: the first in (count, position) order
    first, second = divmod(flat, big.size)
    return int(big[first]), int(big[second])


def bridging_rank(
    *,
    idea_ids: np.ndarray,
    idea_posted: np.ndarray,
    support_participant_ids: np.ndarray,
    support_idea_ids: np.ndarray,
    participant_ids: np.ndarray,
    participant_last_active: np.ndarray,
) -> BridgingRank:
    """The ideas of a question in bridging order, from its supports.

    `idea_ids` and `idea_posted` (posting times as numbers, e.g. epoch seconds) list the ideas to
    rank; each support is a (participant id, idea id) pair; `participant_last_active` is each
    supporter's last support in the question (same units), so they count as having seen the ideas
    posted until then. Supports of ideas not listed, or by participants not listed, are ignored.
    """
    idea_ids = np.asarray(idea_ids, dtype=np.int64)
    idea_posted = np.asarray(idea_posted, dtype=np.float64)
    by_time = np.lexsort((idea_ids, idea_posted))  # posting order, ties by id
    ordered_ids = idea_ids[by_time]
    ordered_posted = idea_posted[by_time]
    n_ideas = int(ordered_ids.size)

    supporter_ids = np.asarray(participant_ids, dtype=np.int64)
    last_active = np.asarray(participant_last_active, dtype=np.float64)
    people = np.asarray(support_participant_ids, dtype=np.int64)
    targets = np.asarray(support_idea_ids, dtype=np.int64)
    positions, known = _index_of(ordered_ids, targets)
    person, known_person = _index_of(supporter_ids, people)
    keep = known & known_person
    positions, person = positions[keep], person[keep]
    # Participants who support a listed idea, by sorted id; unique (participant, idea) pairs.
    by_id = np.argsort(supporter_ids, kind="stable")
    active = np.zeros(supporter_ids.size, dtype=bool)
    active[person] = True
    active_sorted = by_id[active[by_id]]
    renumber = np.full(supporter_ids.size, -1, dtype=np.int64)
    renumber[active_sorted] = np.arange(active_sorted.size)
    width = max(n_ideas, 1)
    pairs = np.unique(renumber[person] * width + positions)
    rows, cols = pairs // width, pairs % width
    seen = np.searchsorted(ordered_posted, last_active[active_sorted], side="right").astype(np.int64)
    supporters = int(active_sorted.size)

    # With no sides found, the factor is noise and only the intercept means anything.
    opposed = opposed_ideas(rows=rows, cols=cols, seen=seen, n_ideas=n_ideas)
    found = opposed is not None
    if opposed is not None:
        fit = bridging_fit_balanced(
            support_participants=rows, support_ideas=cols, seen=seen, n_ideas=n_ideas, opposed=opposed
        )
        score = bridging_score(fit, rows=rows, cols=cols, seen=seen, n_ideas=n_ideas)
    else:
        fit = bridging_fit(support_participants=rows, support_ideas=cols, seen=seen, n_ideas=n_ideas)
        score = fit.idea_intercepts
    scored = fit.observers >= MIN_OBSERVERS
    best = np.lexsort((ordered_ids, -score))  # score, high first; ties by id
    best = best[scored[best]]
    newest = np.arange(n_ideas)[~scored][::-1]  # posting order reversed: newest first
    order = np.concatenate((best, newest)).astype(np.int64)

    n_scored = int(np.count_nonzero(scored))
    enough = supporters >= MIN_SUPPORTERS and n_scored >= MIN_SCORED
    return BridgingRank(
        idea_ids=ordered_ids[order].tolist(),
        scored=n_scored,
        supporters=supporters,
        sides_found=found,
        ready=enough and found,
    )
