"""Offline geocoding of Chicago street addresses and cross streets typed by residents.

``place_locate("pothole on 35th and Halsted")`` gives a WGS84 point, a tidy label and the community area,
or None when the text cannot be placed with confidence (a false None is preferred to a wrong point) or
the point is outside Chicago's 77 community areas (a point on a border street's centre line counts as in).

Data: ``data/chicago_intersections.csv``, the city's 24,048 named street intersections (see data/SOURCES.md),
read once per process. Street names are kept as the city writes them ("S HALSTED ST") and indexed by a key
without direction, type or spaces ("HALSTED", "35TH", "LASALLE"), so "halsted", "S Halsted St" and "La Salle"
meet on the same street.

Cross streets ("35th & Halsted"): the intersection of the two keys, filtered by any direction given ("S
Halsted"), preferring the street types given ("Halsted St" over "Halsted Pkwy") and ordinary types. Two
candidate corners more than 250 m apart with nothing to choose between them give None.

House numbers ("3500 S Halsted"): Chicago's grid counts from State St (east-west 0) and Madison St
(north-south 0), about 800 numbers a mile, irregular downtown. The street's direction says which axis the
number runs on: N/S numbers fix a latitude, E/W numbers a longitude.

1. Grid lines of known number: the numbered streets (W 35TH ST = 3500 S) and a table of named streets
   (Madison 0, North Ave 1600 N, Halsted 800 W, Pulaski 4000 W...). The grid drifts across the city (N and S
   Halsted are ~250 m apart in longitude), so the scale grid -> latitude is fitted in bands of longitude, and
   grid -> longitude in bands of latitude (~2 km apart, 3 km reach): in each band, the piecewise-linear curve
   through each grid line's median position there (lines out of order, e.g. the diagonal stretch of Grand
   Ave, are dropped: longest increasing subsequence); between bands the scales are blended linearly.
2. Each street keeps its own corrections: at its intersections with grid lines, the difference between the
   true position and the scale. Corrections over 200 m, or ~90 m off their neighbours' (a diagonal stretch,
   a same-named stub), are dropped. The target's coordinate is the scale plus the correction interpolated
   between the street's nearest grid intersections (the nearest one's beyond them).
3. The other coordinate is interpolated along the street's own intersections (so diagonals such as Clark,
   Milwaukee or Archer follow their real course). A number beyond the street's ends (150 m slack) gives None,
   and so does a number without direction on a street that has both (3500 N and 3500 S Halsted).

Checked by leaving each of the ~25,600 grid intersections out in turn and placing its number on the street:
median error 4 m (N/S numbers) and 7 m (E/W numbers), 99th percentile ~70 m, none over 200 m. Off the grid
lines the error grows with how straight the street is between its intersections.

Text: accents, case and punctuation are dropped; separators are and, &, /, @, +, at, y, con, entre, between;
street words (st, ave, calle, avenida...) and directions (N, south, norte...) in English and Spanish;
"35", "35th", "35 st" are 35th Street; misspellings ("halstead") are matched with difflib when the match is
clear. A location is looked for anywhere in a longer message; two different places in one message (over
200 m apart) give None, and when an address and cross streets agree the address is kept.
"""

from __future__ import annotations

import bisect
import csv
import difflib
import math
import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_for_point

INTERSECTIONS_FILE = Path(__file__).resolve().parent / "data" / "chicago_intersections.csv"


@dataclass(frozen=True)
class LocatedPlace:
    latitude: float
    longitude: float
    label: str
    precision: str  # "intersection" or "address"
    community_area_id: int | None


def place_locate(text: str) -> LocatedPlace | None:
    """The point in Chicago a resident's text names (an address or cross streets), or None."""
    hit = _place_find(text)
    if hit is None:
        return None
    area = _community_area_near(hit.latitude, hit.longitude)
    if area is None:
        return None
    return LocatedPlace(
        latitude=round(hit.latitude, 6),
        longitude=round(hit.longitude, 6),
        label=hit.label,
        precision=hit.precision,
        community_area_id=area.pk,
    )


def _community_area_near(latitude: float, longitude: float) -> CommunityArea | None:
    """The community area of a point, or of a point 15 m away when it lies on the city limits.

    Border streets (Western Ave south of 87th St, Harlem Ave, Howard St...) have their centre line on the
    boundary itself; a point anywhere else outside the community areas is outside Chicago.
    """
    area = community_area_for_point(latitude=latitude, longitude=longitude)
    for step in range(8) if area is None else ():
        angle = step * math.pi / 4
        area = community_area_for_point(
            latitude=latitude + 15 * math.cos(angle) / _DEGREE_METRES[0],
            longitude=longitude + 15 * math.sin(angle) / _DEGREE_METRES[1],
        )
        if area is not None:
            break
    return area


def _place_find(text: str) -> _Hit | None:
    if not text or not text.strip():
        return None
    gazetteer = _gazetteer()
    tokens = _tokenize(text[:600])
    # An address and cross streets may both be written ("1200 W Madison at Racine"); they must agree.
    return _single(_address_hits(tokens, gazetteer) + _crossing_hits(tokens, gazetteer))


# --- The address grid --------------------------------------------------------------------------------------

# East-west streets at a known north-south number (north positive), as "NAME TYPE"; numbered streets are added
# in code (W 35TH ST = 3500 S). Only streets that run straight at that number for most of their length.
_NORTH_SOUTH_NUMBERS: dict[str, int] = {
    "MADISON ST": 0,
    "WASHINGTON BLVD": 100,
    "WASHINGTON ST": 100,
    "RANDOLPH ST": 150,
    "LAKE ST": 200,
    "FULTON ST": 300,
    "KINZIE ST": 400,
    "HUBBARD ST": 430,
    "GRAND AVE": 530,
    "OHIO ST": 600,
    "ONTARIO ST": 630,
    "ERIE ST": 660,
    "HURON ST": 700,
    "SUPERIOR ST": 730,
    "CHICAGO AVE": 800,
    "OAK ST": 1000,
    "AUGUSTA BLVD": 1000,
    "DIVISION ST": 1200,
    "SCHILLER ST": 1400,
    "LE MOYNE ST": 1500,
    "NORTH AVE": 1600,
    "WABANSIA AVE": 1700,
    "BLOOMINGDALE AVE": 1800,
    "CORTLAND ST": 1900,
    "ARMITAGE AVE": 2000,
    "WEBSTER AVE": 2200,
    "BELDEN AVE": 2300,
    "FULLERTON AVE": 2400,
    "ALTGELD ST": 2500,
    "WRIGHTWOOD AVE": 2600,
    "DIVERSEY AVE": 2800,
    "DIVERSEY PKWY": 2800,
    "GEORGE ST": 2900,
    "WELLINGTON AVE": 3000,
    "BARRY AVE": 3100,
    "BELMONT AVE": 3200,
    "SCHOOL ST": 3300,
    "ROSCOE ST": 3400,
    "CORNELIA AVE": 3500,
    "ADDISON ST": 3600,
    "WAVELAND AVE": 3700,
    "GRACE ST": 3800,
    "BYRON ST": 3900,
    "IRVING PARK RD": 4000,
    "BERTEAU AVE": 4200,
    "CULLOM AVE": 4300,
    "MONTROSE AVE": 4400,
    "SUNNYSIDE AVE": 4500,
    "WILSON AVE": 4600,
    "LELAND AVE": 4700,
    "LAWRENCE AVE": 4800,
    "AINSLIE ST": 4900,
    "ARGYLE ST": 5000,
    "CARMEN AVE": 5100,
    "FOSTER AVE": 5200,
    "BERWYN AVE": 5300,
    "BALMORAL AVE": 5400,
    "CATALPA AVE": 5500,
    "BRYN MAWR AVE": 5600,
    "HOLLYWOOD AVE": 5700,
    "THORNDALE AVE": 5900,
    "PETERSON AVE": 6000,
    "GRANVILLE AVE": 6200,
    "ROSEMONT AVE": 6300,
    "DEVON AVE": 6400,
    "ARTHUR AVE": 6500,
    "NORTH SHORE AVE": 6700,
    "PRATT AVE": 6800,
    "PRATT BLVD": 6800,
    "LUNT AVE": 7000,
    "ESTES AVE": 7100,
    "TOUHY AVE": 7200,
    "CHASE AVE": 7300,
    "JARVIS AVE": 7400,
    "BIRCHWOOD AVE": 7500,
    "HOWARD ST": 7600,
    "MONROE ST": -100,
    "ADAMS ST": -200,
    "JACKSON BLVD": -300,
    "VAN BUREN ST": -400,
    "CONGRESS PKWY": -500,
    "HARRISON ST": -600,
    "FLOURNOY ST": -700,
    "POLK ST": -800,
    "TAYLOR ST": -1000,
    "ROOSEVELT RD": -1200,
    "CERMAK RD": -2200,
    "PERSHING RD": -3900,
    "GARFIELD BLVD": -5500,
    "MARQUETTE RD": -6700,
}

# North-south streets at a known east-west number (east positive).
_EAST_WEST_NUMBERS: dict[str, int] = {
    "STATE ST": 0,
    "DEARBORN ST": -36,
    "CLARK ST": -100,
    "LA SALLE ST": -140,
    "LA SALLE DR": -140,
    "WELLS ST": -200,
    "FRANKLIN ST": -300,
    "CANAL ST": -500,
    "CLINTON ST": -540,
    "JEFFERSON ST": -600,
    "DESPLAINES ST": -650,
    "UNION AVE": -700,
    "HALSTED ST": -800,
    "PEORIA ST": -900,
    "SHEFFIELD AVE": -1000,
    "MORGAN ST": -1000,
    "ABERDEEN ST": -1100,
    "RACINE AVE": -1200,
    "THROOP ST": -1300,
    "LOOMIS ST": -1400,
    "SOUTHPORT AVE": -1400,
    "LAFLIN ST": -1500,
    "GREENVIEW AVE": -1500,
    "ASHLAND AVE": -1600,
    "PAULINA ST": -1700,
    "WOOD ST": -1800,
    "WOLCOTT AVE": -1900,
    "DAMEN AVE": -2000,
    "HOYNE AVE": -2100,
    "LEAVITT ST": -2200,
    "OAKLEY AVE": -2300,
    "WESTERN AVE": -2400,
    "CAMPBELL AVE": -2500,
    "ROCKWELL ST": -2600,
    "WASHTENAW AVE": -2700,
    "CALIFORNIA AVE": -2800,
    "FRANCISCO AVE": -2900,
    "SACRAMENTO AVE": -3000,
    "KEDZIE AVE": -3200,
    "SPAULDING AVE": -3300,
    "HOMAN AVE": -3400,
    "ST LOUIS AVE": -3500,
    "CENTRAL PARK AVE": -3600,
    "LAWNDALE AVE": -3700,
    "HAMLIN AVE": -3800,
    "SPRINGFIELD AVE": -3900,
    "PULASKI RD": -4000,
    "KARLOV AVE": -4100,
    "KEELER AVE": -4200,
    "KILDARE AVE": -4300,
    "KOSTNER AVE": -4400,
    "KILBOURN AVE": -4500,
    "KENTON AVE": -4600,
    "KILPATRICK AVE": -4700,
    "CICERO AVE": -4800,
    "LAMON AVE": -4900,
    "LAVERGNE AVE": -5000,
    "LECLAIRE AVE": -5100,
    "LARAMIE AVE": -5200,
    "LOCKWOOD AVE": -5300,
    "LONG AVE": -5400,
    "CENTRAL AVE": -5600,
    "MAJOR AVE": -5700,
    "MENARD AVE": -5800,
    "AUSTIN AVE": -6000,
    "MEADE AVE": -6100,
    "MELVINA AVE": -6200,
    "MOBILE AVE": -6300,
    "NARRAGANSETT AVE": -6400,
    "OAK PARK AVE": -6800,
    "HARLEM AVE": -7200,
    "CUMBERLAND AVE": -8400,
    "MICHIGAN AVE": 100,
    "INDIANA AVE": 200,
    "PRAIRIE AVE": 300,
    "DR MARTIN LUTHER KING JR DR": 400,
    "ST LAWRENCE AVE": 600,
    "LANGLEY AVE": 700,
    "COTTAGE GROVE AVE": 800,
    "DREXEL AVE": 900,
    "ELLIS AVE": 1000,
    "GREENWOOD AVE": 1100,
    "WOODLAWN AVE": 1200,
    "KIMBARK AVE": 1300,
    "DORCHESTER AVE": 1400,
    "STONY ISLAND AVE": 1600,
    "EAST END AVE": 1700,
    "CREGIER AVE": 1800,
    "JEFFERY BLVD": 2000,
    "CLYDE AVE": 2100,
    "PAXTON AVE": 2200,
    "YATES BLVD": 2400,
}

_NUMBERED_STREET = re.compile(r"^(\d{1,3})(?:ST|ND|RD|TH) ST$")
_KNOT_TOLERANCE = {0: 0.0008, 1: 0.0011}  # degrees of latitude / longitude, about 90 m
_SPAN_SLACK = {0: 0.00135, 1: 0.0018}  # about 150 m beyond a street's last intersection
_DEGREE_METRES = (111_200.0, 82_900.0)  # metres per degree of latitude / longitude at Chicago
# The grid drifts across the city: latitude per number is fitted in bands of longitude and the reverse.
_BAND_CENTERS = ([-87.95 + 0.02 * i for i in range(23)], [41.63 + 0.02 * i for i in range(22)])
_BAND_REACH = 0.03


@dataclass(frozen=True)
class _Scale:
    center: float
    numbers: list[float]
    coordinates: list[float]

    def at(self, number: float) -> float:
        return _interpolate(self.numbers, self.coordinates, number)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot((a[0] - b[0]) * _DEGREE_METRES[0], (a[1] - b[1]) * _DEGREE_METRES[1])


def _interpolate(xs: list[float], ys: list[float], x: float) -> float:
    """Piecewise-linear y(x) through sorted xs, extended linearly beyond both ends."""
    if len(xs) == 1:
        return ys[0]
    i = min(max(bisect.bisect_right(xs, x), 1), len(xs) - 1)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (x - x0) * (y1 - y0) / (x1 - x0)


def _increasing(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The longest subsequence of (grid, coordinate) points, sorted by grid, whose coordinate increases."""
    best: list[list[tuple[float, float]]] = []
    for point in points:
        candidates = [chain for chain in best if chain[-1][1] < point[1]]
        best.append([*max(candidates, key=len, default=[]), point])
    return max(best, key=len, default=[])


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


@dataclass(frozen=True)
class _Hit:
    latitude: float
    longitude: float
    label: str
    precision: str


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


class _Gazetteer:
    """Chicago's streets and intersections, indexed for lookups (built once per process)."""

    def __init__(self, path: Path) -> None:
        self.streets: dict[str, _Street] = {}
        self.by_key: dict[str, list[_Street]] = defaultdict(list)
        self.crossings: dict[tuple[str, str], list[_Crossing]] = defaultdict(list)
        rows: list[tuple[_Street, _Street, float, float, str]] = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                first, second = self._street(row["street_1"]), self._street(row["street_2"])
                if first is None or second is None or first.key == second.key:
                    continue
                latitude, longitude = float(row["latitude"]), float(row["longitude"])
                first.points.append((latitude, longitude))
                second.points.append((latitude, longitude))
                rows.append((first, second, latitude, longitude, row["intersection"]))
        for first, second, latitude, longitude, label in rows:
            self.crossings[first.key, second.key].append(_Crossing(label, first, second, latitude, longitude))
            self.crossings[second.key, first.key].append(_Crossing(label, second, first, latitude, longitude))
        self.streets = {name: street for name, street in self.streets.items() if street.points}
        for street in self.streets.values():
            self.by_key[street.key].append(street)
            street.course = sorted((point[street.axis], point[1 - street.axis]) for point in street.points)
        # For misspellings: keys by (length, 0, first letter) and (length, 1, second letter); a slip rarely
        # changes both of the first two letters.
        self.fuzzy_keys: dict[tuple[int, int, str], list[str]] = defaultdict(list)
        for key in self.by_key:
            if key.isalpha() and key not in _COMMON_WORDS:
                self.fuzzy_keys[len(key), 0, key[0]].append(key)
                self.fuzzy_keys[len(key), 1, key[1]].append(key)
        self.scales = (self._scales(rows, 0), self._scales(rows, 1))
        self.centers = tuple([scale.center for scale in scales] for scales in self.scales)
        self._street_knots(rows)

    def _street(self, name: str) -> _Street | None:
        street = self.streets.get(name)
        if street is not None:
            return street
        words = name.split()
        if len(words) < 2 or words[0] not in ("N", "S", "E", "W") or words[-1] in _SKIPPED_TYPES:
            return None
        kind = words[-1] if words[-1] in _STREET_TYPES and len(words) > 2 else ""
        base = words[1:-1] if kind else words[1:]
        if any(word in _SKIPPED_TYPES for word in base) or base == ["PRIVATE"] or base == ["UNKNOWN"]:
            return None
        street = _Street(name=name, prefix=words[0], key="".join(base), kind=kind)
        self.streets[name] = street
        return street

    @staticmethod
    def grid_number(street: _Street) -> int | None:
        """The grid number of a street that is a grid line (W 35TH ST -> -3500, N HALSTED ST -> -800)."""
        plain = street.name[2:]
        if street.axis == 1:  # east-west street: a line of constant north-south number
            numbered = _NUMBERED_STREET.match(plain)
            if numbered:
                return -100 * int(numbered.group(1))
            return _NORTH_SOUTH_NUMBERS.get(plain)
        return _EAST_WEST_NUMBERS.get(plain)

    def _grid_crossings(
        self, rows: list[tuple[_Street, _Street, float, float, str]], axis: int
    ) -> Iterator[tuple[_Street, int, tuple[float, float]]]:
        """(street along axis, grid number of its cross street, point) for every crossing of a grid line."""
        for first, second, latitude, longitude, _ in rows:
            for along, cross in ((first, second), (second, first)):
                if along.axis == axis and cross.axis != axis:
                    number = self.grid_number(cross)
                    if number is not None:
                        yield along, number, (latitude, longitude)

    def _scales(self, rows: list[tuple[_Street, _Street, float, float, str]], axis: int) -> list[_Scale]:
        """Grid number -> latitude (axis 0) or longitude (axis 1), in bands of the other coordinate."""
        crossings = [(number, point) for _, number, point in self._grid_crossings(rows, axis)]
        scales = []
        for center in _BAND_CENTERS[axis]:
            positions: dict[int, list[float]] = defaultdict(list)
            for number, point in crossings:
                if abs(point[1 - axis] - center) <= _BAND_REACH:
                    positions[number].append(point[axis])
            knots = _increasing(
                sorted((number, statistics.median(values)) for number, values in positions.items())
            )
            if len(knots) >= 2:
                scales.append(_Scale(center, [float(n) for n, _ in knots], [c for _, c in knots]))
        return scales

    def scale(self, axis: int, number: float, other: float) -> float:
        """The coordinate of a grid number near other (the longitude for latitudes and the reverse)."""
        scales, centers = self.scales[axis], self.centers[axis]
        i = bisect.bisect_right(centers, other)
        if i == 0 or i == len(scales):
            return scales[min(i, len(scales) - 1)].at(number)
        below, above = scales[i - 1], scales[i]
        weight = (other - below.center) / (above.center - below.center)
        return below.at(number) * (1 - weight) + above.at(number) * weight

    def _street_knots(self, rows: list[tuple[_Street, _Street, float, float, str]]) -> None:
        for axis in (0, 1):
            offsets: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
            for street, number, point in self._grid_crossings(rows, axis):
                offsets[street.name][number].append(point[axis] - self.scale(axis, number, point[1 - axis]))
            tolerance = _KNOT_TOLERANCE[axis]
            for name, by_number in offsets.items():
                knots = sorted((float(n), statistics.median(values)) for n, values in by_number.items())
                # Far from the scale (a diagonal stretch: Clark St north of North Ave) is not a grid point.
                knots = [knot for knot in knots if abs(knot[1]) * _DEGREE_METRES[axis] <= 200]
                kept: list[tuple[float, float]] = []
                grids = [knot[0] for knot in knots]
                for grid, offset in knots:
                    window = knots[
                        bisect.bisect_left(grids, grid - 1600) : bisect.bisect_right(grids, grid + 1600)
                    ]
                    nearby = [other for n, other in window if n != grid]
                    if len(nearby) >= 2 and abs(offset - statistics.median(nearby)) > tolerance:
                        continue  # a diagonal stretch or a stub of the same name elsewhere
                    kept.append((grid, offset))
                self.streets[name].knots = kept

    def address_point(self, street: _Street, number: int) -> tuple[float, float] | None:
        """The point of a house number on a street whose direction matches the number's, or None."""
        axis, course = street.axis, street.course
        grid = float(number if street.prefix in "NE" else -number)
        offset = 0.0
        if street.knots:
            numbers = [knot[0] for knot in street.knots]
            clamped = min(max(grid, numbers[0]), numbers[-1])
            offset = _interpolate(numbers, [knot[1] for knot in street.knots], clamped)
        along = [step[0] for step in course]
        other = statistics.median(step[1] for step in course)
        target = 0.0
        for _ in range(2):  # the scale depends a little on where across the city the point is
            target = self.scale(axis, grid, other) + offset
            slack = _SPAN_SLACK[axis]
            if not along[0] - slack <= target <= along[-1] + slack:
                return None
            i = bisect.bisect_left(along, target)
            if i == 0 or i == len(course):
                other = course[0][1] if i == 0 else course[-1][1]
                continue
            (a0, o0), (a1, o1) = course[i - 1], course[i]
            # Two same-named pieces side by side are not one street to interpolate along.
            run = abs(a1 - a0) * _DEGREE_METRES[axis]
            jump = abs(o1 - o0) * _DEGREE_METRES[1 - axis]
            if jump > max(400.0, 2 * run):
                return None
            other = o0 if a1 == a0 else o0 + (target - a0) * (o1 - o0) / (a1 - a0)
        return (target, other) if axis == 0 else (other, target)

    @lru_cache(maxsize=4096)  # noqa: B019 - one gazetteer per process
    def fuzzy(self, word: str) -> tuple[tuple[str, float], ...]:
        """Street keys close to a misspelt word, best first (all within 0.03 of the best)."""
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(word)
        cutoff = 0.84
        found: list[tuple[str, float]] = []
        for length in range(len(word) - 2, len(word) + 3):
            # Same first or second letter, or the first letter dropped ("adison") or doubled up front.
            buckets = ((0, word[0]), (1, word[1]), (1, word[0]), (0, word[1]))
            candidates = dict.fromkeys(
                key for bucket in buckets for key in self.fuzzy_keys.get((length, *bucket), [])
            )
            for key in candidates:
                matcher.set_seq1(key)
                if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
                    ratio = matcher.ratio()
                    if ratio >= cutoff:
                        found.append((key, ratio))
        if not found:
            return ()
        best = max(ratio for _, ratio in found)
        return tuple(sorted((item for item in found if item[1] >= best - 0.03), key=lambda item: -item[1]))


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    return _Gazetteer(INTERSECTIONS_FILE)


# --- Reading the text --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+|[&/@+]")
_SEPARATORS = {"&", "/", "@", "+", "and", "at", "y", "con", "entre", "between", "n"}
_DIRECTIONS = {
    "n": "N",
    "north": "N",
    "norte": "N",
    "s": "S",
    "south": "S",
    "sur": "S",
    "e": "E",
    "east": "E",
    "este": "E",
    "w": "W",
    "west": "W",
    "oeste": "W",
}
_TYPE_WORDS = {
    "st": "ST",
    "street": "ST",
    "str": "ST",
    "ave": "AVE",
    "av": "AVE",
    "avenue": "AVE",
    "avenida": "AVE",
    "blvd": "BLVD",
    "boulevard": "BLVD",
    "bulevar": "BLVD",
    "rd": "RD",
    "road": "RD",
    "dr": "DR",
    "drive": "DR",
    "pkwy": "PKWY",
    "parkway": "PKWY",
    "pl": "PL",
    "place": "PL",
    "ct": "CT",
    "court": "CT",
    "ter": "TER",
    "terrace": "TER",
    "ln": "LN",
    "lane": "LN",
    "calle": "",  # Spanish "street", no type
}
# Words that may come between a separator or house number and the street: "y la calle 35", "3500 block of".
_LEADING_WORDS = {"the", "la", "el", "calle", "avenida", "av", "block", "of", "cuadra", "de", "del"}
_FUZZY_STOPWORDS_TEXT = """
    about after again along alley avenida avenue block broken calle chicago corner could cuadra esquina
    every front hello light night other please pothole potholes right since still street their there these
    thing think those where which while would
"""
_FUZZY_STOPWORDS = frozenset(_FUZZY_STOPWORDS_TEXT.split())
_ORDINAL = re.compile(r"^(\d{1,3})(st|nd|rd|th|a|o|va|vo)?$")
_HOUSE_NUMBER = re.compile(r"^\d{1,5}$")


def _tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return _TOKEN.findall(re.sub(r"['’`]", "", text))


def _ordinal_key(number: int) -> str:
    suffix = "TH" if 10 <= number % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(number % 10, "TH")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class _Reference:
    """A street named in the text: candidate keys (best first), and the direction and type written."""

    keys: tuple[tuple[str, float], ...]
    direction: str | None
    kind: str | None
    qualified: bool  # a direction, a street word or a number says it is a street

    @property
    def weak(self) -> bool:
        return not self.qualified and all(key in _COMMON_WORDS for key, _ in self.keys)


def _name_key(words: list[str], gazetteer: _Gazetteer) -> str | None:
    if not all(word.isalnum() for word in words):
        return None
    if len(words) == 1:
        ordinal = _ORDINAL.match(words[0])
        if ordinal:
            key = _ordinal_key(int(ordinal.group(1)))
            return key if key in gazetteer.by_key else None
    key = "".join(words).upper()
    key = _ALIASES.get(key, key)
    return key if len(key) > 1 and key in gazetteer.by_key and not key[0].isdigit() else None


def _fuzzy_keys(words: list[str], gazetteer: _Gazetteer) -> tuple[tuple[str, float], ...]:
    if not all(word.isalpha() and word not in _FUZZY_STOPWORDS for word in words):
        return ()
    joined = "".join(words).upper()
    return gazetteer.fuzzy(joined) if len(joined) >= 5 else ()


def _name_forward(tokens: list[str], start: int, gazetteer: _Gazetteer):
    """(keys, end) of the street name starting at start: the longest exact name, else a fuzzy one."""
    for length in (4, 3, 2, 1):
        words = tokens[start : start + length]
        if len(words) == length and (key := _name_key(words, gazetteer)):
            return ((key, 1.0),), start + length
    best: tuple[tuple[tuple[str, float], ...], int] | None = None
    for length in (1, 2):
        words = tokens[start : start + length]
        keys = _fuzzy_keys(words, gazetteer) if len(words) == length else ()
        if keys and (best is None or keys[0][1] > best[0][0][1]):
            best = (keys, start + length)
    return best


def _name_backward(tokens: list[str], end: int, gazetteer: _Gazetteer):
    """(keys, start) of the street name ending just before end."""
    for length in (4, 3, 2, 1):
        if end - length >= 0 and (key := _name_key(tokens[end - length : end], gazetteer)):
            return ((key, 1.0),), end - length
    best: tuple[tuple[tuple[str, float], ...], int] | None = None
    for length in (1, 2):
        keys = _fuzzy_keys(tokens[end - length : end], gazetteer) if end - length >= 0 else ()
        if keys and (best is None or keys[0][1] > best[0][0][1]):
            best = (keys, end - length)
    return best


def _numbered(keys: tuple[tuple[str, float], ...]) -> bool:
    return keys[0][0][0].isdigit()


def _street_forward(tokens: list[str], start: int, gazetteer: _Gazetteer) -> _Reference | None:
    """The street written from start on: [calle|avenida] [direction] name [type]."""
    i, kind = start, None
    while i < len(tokens) and tokens[i] in _LEADING_WORDS:
        kind = _TYPE_WORDS.get(tokens[i], kind)
        i += 1
    directed = None
    if i + 1 < len(tokens) and tokens[i] in _DIRECTIONS:
        directed = _name_forward(tokens, i + 1, gazetteer)
    plain = _name_forward(tokens, i, gazetteer)
    # "south shore dr", "west end ave": a direction word that is part of the name.
    if (
        plain
        and plain[0][0][1] == 1.0
        and (directed is None or directed[0][0][1] < 1.0 or plain[1] >= directed[1])
    ):
        (keys, end), direction = plain, None
    elif directed:
        (keys, end), direction = directed, _DIRECTIONS[tokens[i]]
    elif plain:
        (keys, end), direction = plain, None
    else:
        return None
    if end < len(tokens) and tokens[end] in _TYPE_WORDS:
        kind = _TYPE_WORDS[tokens[end]]
    qualified = direction is not None or kind is not None or _numbered(keys)
    return _Reference(keys, direction, kind or None, qualified)


def _street_backward(tokens: list[str], end: int, gazetteer: _Gazetteer) -> _Reference | None:
    """The street written just before end: [direction] name [type]."""
    attempts: list[tuple[int, str | None]] = []
    if end >= 2 and tokens[end - 1] in _TYPE_WORDS:
        attempts.append((end - 1, _TYPE_WORDS[tokens[end - 1]]))
    attempts.append((end, None))
    for name_end, kind in attempts:
        found = _name_backward(tokens, name_end, gazetteer)
        if found is None:
            continue
        keys, start = found
        direction = _DIRECTIONS.get(tokens[start - 1]) if start >= 1 else None
        if start >= 1 and tokens[start - 1] in ("calle", "avenida", "av"):
            kind = kind or _TYPE_WORDS[tokens[start - 1]]
        qualified = direction is not None or kind is not None or _numbered(keys)
        return _Reference(keys, direction, kind or None, qualified)
    return None


# --- Resolving ---------------------------------------------------------------------------------------------


def _address_hits(tokens: list[str], gazetteer: _Gazetteer) -> list[_Hit]:
    hits: list[_Hit] = []
    for i, token in enumerate(tokens):
        if not _HOUSE_NUMBER.match(token) or not 0 <= int(token) <= 14000:
            continue
        reference = _street_forward(tokens, i + 1, gazetteer)
        if reference is None or reference.weak:
            continue
        if reference.direction is None and token in ("311", "911"):
            continue  # "I called 311 Halsted is flooded"
        hits.extend(_address(int(token), reference, gazetteer))
    return hits


def _address(number: int, reference: _Reference, gazetteer: _Gazetteer) -> list[_Hit]:
    found: list[tuple[str, _Street, tuple[float, float]]] = []
    for key, _ in reference.keys:
        for street in gazetteer.by_key[key]:
            if reference.direction and street.prefix != reference.direction:
                continue
            point = gazetteer.address_point(street, number)
            if point is not None:
                found.append((key, street, point))
    if not found or len({key for key, _, _ in found}) > 1:
        return []  # nowhere, or two different streets ("adison": Addison or Madison?)
    if len({street.prefix for _, street, _ in found}) > 1:
        return []  # 3500 N or 3500 S Halsted?
    if reference.kind and any(street.kind == reference.kind for _, street, _ in found):
        found = [item for item in found if item[1].kind == reference.kind]
    _, street, (latitude, longitude) = max(found, key=lambda item: len(item[1].points))
    return [_Hit(latitude, longitude, f"{number} {street.name}", "address")]


def _crossing_hits(tokens: list[str], gazetteer: _Gazetteer) -> list[_Hit]:
    hits: list[_Hit] = []
    for i, token in enumerate(tokens):
        if token not in _SEPARATORS or i == 0:
            continue
        if token == "n" and tokens[i - 1].isdigit():
            continue  # "121 N LaSalle" is an address; "35th n halsted" is "35th and Halsted"
        first = _street_backward(tokens, i, gazetteer)
        second = _street_forward(tokens, i + 1, gazetteer)
        if first is None or second is None or (first.weak and second.weak):
            continue
        hit = _crossing(first, second, gazetteer)
        if hit is not None:
            hits.append(hit)
    return hits


def _crossing(first: _Reference, second: _Reference, gazetteer: _Gazetteer) -> _Hit | None:
    found: list[tuple[float, str, str, list[_Crossing]]] = []
    for key_1, score_1 in first.keys:
        for key_2, score_2 in second.keys:
            rows = [
                row
                for row in gazetteer.crossings.get((key_1, key_2), ())
                if (first.direction is None or row.first.prefix == first.direction)
                and (second.direction is None or row.second.prefix == second.direction)
            ]
            if rows:
                found.append((score_1 + score_2, key_1, key_2, rows))
    if not found:
        return None
    best = max(item[0] for item in found)
    found = [item for item in found if item[0] >= best - 0.03]
    if len(found) > 1:
        return None  # two different pairs of streets fit a misspelling equally well

    def rank(row: _Crossing) -> tuple[int, int]:
        written = (first.kind is not None and row.first.kind == first.kind) + (
            second.kind is not None and row.second.kind == second.kind
        )
        ordinary = (row.first.kind in _ORDINARY_TYPES) + (row.second.kind in _ORDINARY_TYPES)
        return (-written, -ordinary)

    rows = sorted(found[0][3], key=rank)
    top = [row for row in rows if rank(row) == rank(rows[0])]
    anchor = top[0]
    if any(_metres((row.latitude, row.longitude), (anchor.latitude, anchor.longitude)) > 250 for row in top):
        return None  # the two streets meet in more than one place
    return _Hit(anchor.latitude, anchor.longitude, anchor.label, "intersection")


def _single(hits: list[_Hit]) -> _Hit | None:
    """The one place the hits agree on (within 200 m), or None."""
    if not hits:
        return None
    first = hits[0]
    if any(_metres((hit.latitude, hit.longitude), (first.latitude, first.longitude)) > 200 for hit in hits):
        return None
    return first
