"""The opinion map's parameters: vote values, Polis's thresholds, k-means and PCA settings (one place)."""

from __future__ import annotations

from typing import Literal

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
