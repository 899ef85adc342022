"""Chicago's streets as the city names them ("S HALSTED ST") and the corners where two of them meet.

A street is indexed by a key without direction, type or spaces ("HALSTED", "35TH", "LASALLE"); the words
here say which street types are kept, which are ordinary, which names have aliases and which names are
also everyday words.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Street:
    """One street as the city names it ("S HALSTED ST") and its intersections."""

    name: str
    prefix: str
    key: str
    kind: str
    points: list[tuple[float, float]] = field(default_factory=list)
    # Along the axis its house numbers run on (latitude for N/S streets, longitude for E/W streets):
    course: list[tuple[float, float]] = field(default_factory=list)  # (axis coordinate, other coordinate)
    knots: list[tuple[float, float]] = field(default_factory=list)  # (grid number, offset from the scale)

    @property
    def axis(self) -> int:
        return 0 if self.prefix in "NS" else 1


@dataclass(frozen=True)
class _Crossing:
    label: str
    first: _Street  # the street of the first key asked for
    second: _Street
    latitude: float
    longitude: float


_STREET_TYPES = {"ST", "AVE", "BLVD", "RD", "DR", "PL", "CT", "PKWY", "TER", "LN", "EXPY", "HWY", "PLZ", "SQ"}
_STREET_TYPES |= {"WAY", "ROW", "CRES"}
_SKIPPED_TYPES = {"ER", "XR", "SR", "RL", "RAMP", "TURN", "TURNAROUND", "ACCESS", "LOWER", "SUB", "ORD"}
_ORDINARY_TYPES = {"ST", "AVE", "BLVD", "RD"}

_ALIASES = {
    "MLK": "DRMARTINLUTHERKINGJR",
    "MLKJR": "DRMARTINLUTHERKINGJR",
    "KING": "DRMARTINLUTHERKINGJR",
    "DRKING": "DRMARTINLUTHERKINGJR",
    "MARTINLUTHERKING": "DRMARTINLUTHERKINGJR",
    "MARTINLUTHERKINGJR": "DRMARTINLUTHERKINGJR",
    "LSD": "LAKESHORE",
}

# Street names that are also everyday words: unqualified (no direction, type or house number) they only count
# when the other street is not one of them ("state and lake" in a sentence proves nothing).
_COMMON_WORDS_TEXT = """
    ANCHOR ARCH BEACH BEST BRIAR BROAD CAMPUS CEDAR CENTRAL CHARLES CHERRY CHICAGO CHURCH COLLEGE COMMONS
    COURT EARLY ELM FAIR FERN FIELD FIFTH FOREST FRONT GRAND GRANT GREEN GROVE HARBOR HAZEL HILL HOLLY HUNT
    INDIAN IRON JAMES JUNIOR LAKE LEADER LIBERTY LOCK LOCUST LOOP LUMBER LUNA MAGNET MAPLE MARBLE MARIA MARINE
    MARTIN MAY MELODY MEMORY MUSEUM NEW NINA NORMAL NORTH OAK OLIVE OPAL ORANGE PACIFIC PARK PINE PLEASANT
    POINT POPLAR POST PROSPECT PUBLIC RACE RAILROAD RAVEN RESERVE RIVER ROOT ROSE SCHOOL SCIENCE SHORE SHORT
    SPINE STATE STONE SUMMIT TRANSIT UNION VILLAGE VINE WALL WALNUT WILLOW WOOD
"""
_COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())
