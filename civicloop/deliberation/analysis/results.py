"""What an analysis gives: the opinion map, its statements' figures and the state a later run warm-starts
from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from civicloop.deliberation.analysis.parameters import Direction


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
