"""The report page's data: computed once when an analysis is stored, and read back for the page.

:func:`opinion_map_report` (called by ``services.conversation_analyse``) keeps, under
``opinion_map["report"]`` so that ``conversations analyze --json`` (contract keys only) is unchanged: a
sample of participants' 2-D positions with their group, each group's centre, the shares agreeing /
disagreeing outside each group for its representative statements, the statements that divide the groups
most, and how divisive each statement is (for routing). :func:`conversation_report` is the selector that
turns the latest stored result into what the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicloop.deliberation.models import Conversation, Statement
from civicloop.deliberation.selectors import analysis_latest

if TYPE_CHECKING:
    from civicloop.deliberation.analysis import OpinionMap
    from civicloop.deliberation.selectors import ConversationMatrix

MAP_POINTS = 1500  # participants drawn on the map at most (evenly spaced, deterministic)
MAX_DIVISIVE = 5
MIN_DIVISIVE_SPREAD = 0.2  # the groups' agree shares differ by at least this much
MIN_GROUP_VOTES = 3  # a group's share counts for "divides" only with this many votes from it


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, part / np.maximum(whole, 1), 0.0)


def _group_counts(
    csr: sp.csr_matrix, rows: np.ndarray, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group × statement: agrees, disagrees and votes (passes included)."""
    sub = sp.csr_matrix(csr[rows])
    membership = sp.csr_matrix((np.ones(rows.size), (labels, np.arange(rows.size))), shape=(k, rows.size))
    data = sub.data

    def counted(values: np.ndarray) -> np.ndarray:
        matrix = sp.csr_matrix((values.astype(np.float64), sub.indices, sub.indptr), shape=sub.shape)
        return np.asarray((membership @ matrix).todense())

    return counted(data == 1), counted(data == -1), counted(np.ones(data.size, dtype=bool))


def opinion_map_report(result: OpinionMap, data: ConversationMatrix) -> dict[str, Any]:
    """The report's extra figures in external ids; empty when the analysis had not enough data."""
    if not result.enough_data or result.positions.size == 0:
        return {}
    numbers = data.statement_numbers
    groups = result.groups.astype(np.int64)
    k = result.n_groups
    positions = np.asarray(result.positions, dtype=np.float64)
    n = positions.shape[0]
    shown = np.unique(np.linspace(0, n - 1, min(n, MAP_POINTS)).round().astype(np.int64))
    points = [
        [round(float(x), 4), round(float(y), 4), int(g)]
        for (x, y), g in zip(positions[shown], groups[shown], strict=True)
    ]
    centres = [[round(float(v), 4) for v in positions[groups == g].mean(axis=0)] for g in range(k)]

    na, nd, ns = _group_counts(data.matrix, result.participants, groups, k)
    tot_a, tot_d, tot_s = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    outside: dict[str, dict[str, list[float]]] = {}
    for g, stats in result.representative.items():
        rest_s = tot_s - ns[g]
        outside[str(g)] = {
            numbers[s.statement]: [
                round(float(_share(tot_a - na[g], rest_s)[s.statement]), 4),
                round(float(_share(tot_d - nd[g], rest_s)[s.statement]), 4),
                int(rest_s[s.statement]),
            ]
            for s in stats
        }

    rejected = np.zeros(len(numbers), dtype=bool)
    rejected[data.rejected] = True
    agree_share = _share(na, ns)
    counted = ns >= MIN_GROUP_VOTES
    spread = np.where(
        (counted.sum(axis=0) >= 2) & ~rejected,
        np.where(counted, agree_share, -np.inf).max(axis=0)
        - np.where(counted, agree_share, np.inf).min(axis=0),
        0.0,
    )
    order = np.lexsort((np.arange(len(numbers)), -spread))
    divisive = [
        {
            "statement": numbers[int(j)],
            "groups": [
                [
                    g,
                    round(float(agree_share[g, j]), 4),
                    round(float(_share(nd[g], ns[g])[j]), 4),
                    int(ns[g, j]),
                ]
                for g in range(k)
            ],
        }
        for j in order[:MAX_DIVISIVE]
        if spread[j] >= MIN_DIVISIVE_SPREAD
    ]
    extremeness: dict[str, float] = {}
    if result.state is not None and result.state.components.shape[1] == len(numbers):
        # Polis routes divisive statements sooner: how far a statement loads on the map's two axes,
        # scaled by √(statements) so that a typical statement scores about √2 whatever their number.
        loadings = np.linalg.norm(result.state.components, axis=0) * np.sqrt(len(numbers))
        extremeness = {
            numbers[j]: round(float(loadings[j]), 4) for j in range(len(numbers)) if not rejected[j]
        }
    return {
        "extremeness": extremeness,
        "points": points,
        "in_map": n,
        "centres": centres,
        "outside": outside,
        "divisive": divisive,
    }


# ------------------------------------------------------------------------------------- reading it back

# Each group a colour and a shape (never colour alone); colours at least 3:1 against white.
GROUP_COLOURS = ("#0072b2", "#b35900", "#007a5e", "#9c3d7a", "#4d4d4d")
GROUP_SHAPES = ("circle", "square", "triangle", "diamond", "cross")
SHAPE_NAMES = {
    "circle": gettext_lazy("circle"),
    "square": gettext_lazy("square"),
    "triangle": gettext_lazy("triangle"),
    "diamond": gettext_lazy("diamond"),
    "cross": gettext_lazy("cross"),
}
MAP_WIDTH, MAP_HEIGHT, MAP_PAD = 400, 300, 16


@dataclass(frozen=True)
class ReportStatement:
    number: str
    text: str
    direction: str
    agree: int  # percent
    disagree: int
    agree_outside: int | None = None
    disagree_outside: int | None = None


@dataclass(frozen=True)
class ReportGroup:
    id: int
    label: str
    size: int
    percent: int
    colour: str
    shape: str
    representative: list[ReportStatement] = field(default_factory=list)

    @property
    def shape_name(self) -> str:
        return str(SHAPE_NAMES[self.shape])


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    group: int


@dataclass(frozen=True)
class DivisiveStatement:
    number: str
    text: str
    groups: list[tuple[str, int, int, int]]  # group label, % agree, % disagree, votes


@dataclass(frozen=True)
class ConversationReport:
    enough_data: bool
    participants: int = 0
    statements: int = 0
    votes: int = 0
    groups: list[ReportGroup] = field(default_factory=list)
    consensus: list[ReportStatement] = field(default_factory=list)
    divisive: list[DivisiveStatement] = field(default_factory=list)
    points: list[tuple[ReportGroup, list[MapPoint]]] = field(default_factory=list)
    points_shown: int = 0
    # Left out of the analysis after a moderator's review of coordinated voting.
    excluded_participants: int = 0
    excluded_votes: int = 0


def _percent(share: object) -> int:
    return round(float(share) * 100) if isinstance(share, int | float) else 0  # type: ignore[arg-type]


def group_label(group_id: int) -> str:
    return _("Group %(letter)s") % {"letter": chr(ord("A") + group_id)}


def _scaled(points: list[list[float]]) -> list[tuple[float, float]]:
    """Positions to SVG coordinates inside the map's padding (y grows upwards, as on a chart)."""
    if not points:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def scale(v: float, lo: float, hi: float, size: int) -> float:
        span = size - 2 * MAP_PAD
        return MAP_PAD + (span / 2 if hi - lo < 1e-12 else (v - lo) / (hi - lo) * span)

    return [
        (round(scale(x, x0, x1, MAP_WIDTH), 1), round(MAP_HEIGHT - scale(y, y0, y1, MAP_HEIGHT), 1))
        for x, y in zip(xs, ys, strict=True)
    ]


def conversation_report(conversation: Conversation) -> ConversationReport:
    """The latest stored analysis as the report page shows it (two queries); statement texts attached."""
    latest = analysis_latest(conversation)
    if latest is None:
        return ConversationReport(enough_data=False)
    if not latest.enough_data:
        return ConversationReport(
            enough_data=False,
            excluded_participants=latest.excluded_participants,
            excluded_votes=latest.excluded_votes,
        )
    stored = latest.opinion_map
    extra = stored.get("report") or {}
    stored_groups = stored.get("groups", [])
    numbers = {s["statement"] for g in stored_groups for s in g.get("representative", [])}
    numbers |= {s["statement"] for s in stored.get("consensus", [])}
    numbers |= {d["statement"] for d in extra.get("divisive", [])}
    text_of = dict(
        Statement.objects.filter(conversation=conversation, external_id__in=numbers).values_list(
            "external_id", "text"
        )
    )
    in_map = max(latest.participants, 1)
    groups: list[ReportGroup] = []
    for group in stored_groups:
        g = int(group["id"])
        outside = extra.get("outside", {}).get(str(g), {})
        representative = []
        for stat in group.get("representative", []):
            rest = outside.get(stat["statement"])
            representative.append(
                ReportStatement(
                    number=stat["statement"],
                    text=text_of.get(stat["statement"], ""),
                    direction=stat["direction"],
                    agree=_percent(stat["agree"]),
                    disagree=_percent(stat["disagree"]),
                    agree_outside=_percent(rest[0]) if rest else None,
                    disagree_outside=_percent(rest[1]) if rest else None,
                )
            )
        size = len(group.get("participants", []))
        groups.append(
            ReportGroup(
                id=g,
                label=group_label(g),
                size=size,
                percent=round(100 * size / in_map),
                colour=GROUP_COLOURS[g % len(GROUP_COLOURS)],
                shape=GROUP_SHAPES[g % len(GROUP_SHAPES)],
                representative=representative,
            )
        )
    by_id = {g.id: g for g in groups}
    raw_points = extra.get("points", [])
    scaled = _scaled(raw_points)
    drawn: dict[int, list[MapPoint]] = {}
    for (x, y), raw in zip(scaled, raw_points, strict=True):
        drawn.setdefault(int(raw[2]), []).append(MapPoint(x=x, y=y, group=int(raw[2])))
    consensus = [
        ReportStatement(
            number=s["statement"],
            text=text_of.get(s["statement"], ""),
            direction=s["direction"],
            agree=_percent(s["agree"]),
            disagree=_percent(s["disagree"]),
        )
        for s in stored.get("consensus", [])
    ]
    divisive = [
        DivisiveStatement(
            number=d["statement"],
            text=text_of.get(d["statement"], ""),
            groups=[
                (by_id[int(g)].label, _percent(a), _percent(dis), int(n))
                for g, a, dis, n in d["groups"]
                if int(g) in by_id
            ],
        )
        for d in extra.get("divisive", [])
    ]
    return ConversationReport(
        enough_data=True,
        participants=latest.participants,
        statements=latest.statements,
        votes=latest.votes,
        groups=groups,
        consensus=consensus,
        divisive=divisive,
        points=[(by_id[g], pts) for g, pts in sorted(drawn.items()) if g in by_id],
        points_shown=len(raw_points),
        excluded_participants=latest.excluded_participants,
        excluded_votes=latest.excluded_votes,
    )
