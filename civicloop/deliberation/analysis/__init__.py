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

The parts: ``votes`` (the vote matrix), ``projection`` (PCA and the projection), ``clustering``
(k-means, silhouette), ``representative`` (representative and consensus statements), ``opinion_map``
(``analyse``), ``results`` (what it gives), ``polis_export`` (reading a Polis export) and
``parameters`` (the thresholds and settings).
"""

from civicloop.deliberation.analysis.opinion_map import analyse, participants_in_map
from civicloop.deliberation.analysis.parameters import (
    AGREE,
    BASE_K,
    DISAGREE,
    K_SMOOTHING_RUNS,
    KMEANS_CHUNK,
    KMEANS_ITERS,
    KMEANS_ITERS_WARM,
    MAX_CONSENSUS,
    MAX_GROUPS,
    MAX_REPRESENTATIVE,
    MIN_IN_MAP,
    MIN_PARTICIPANTS,
    MIN_VOTES,
    PASS,
    PCA_MAX_ITERS,
    PCA_TOL,
    PCA_TOL_WARM,
    SEED,
    Z_90,
    Direction,
)
from civicloop.deliberation.analysis.polis_export import (
    COMMENT_COLUMNS,
    PV_FIXED,
    PolisComment,
    polis_comments_read,
    polis_export_read,
)
from civicloop.deliberation.analysis.results import OpinionMap, PCAState, StatementStat
from civicloop.deliberation.analysis.votes import vote_matrix

__all__ = [
    "AGREE",
    "BASE_K",
    "COMMENT_COLUMNS",
    "DISAGREE",
    "KMEANS_CHUNK",
    "KMEANS_ITERS",
    "KMEANS_ITERS_WARM",
    "K_SMOOTHING_RUNS",
    "MAX_CONSENSUS",
    "MAX_GROUPS",
    "MAX_REPRESENTATIVE",
    "MIN_IN_MAP",
    "MIN_PARTICIPANTS",
    "MIN_VOTES",
    "PASS",
    "PCA_MAX_ITERS",
    "PCA_TOL",
    "PCA_TOL_WARM",
    "PV_FIXED",
    "SEED",
    "Z_90",
    "Direction",
    "OpinionMap",
    "PCAState",
    "PolisComment",
    "StatementStat",
    "analyse",
    "participants_in_map",
    "polis_comments_read",
    "polis_export_read",
    "vote_matrix",
]
