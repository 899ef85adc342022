"""House numbers to points: the address grid fitted from the streets' crossings with its grid lines.

The grid drifts across the city, so the scale grid -> latitude is fitted in bands of longitude, and
grid -> longitude in bands of latitude; each street keeps its own corrections at its grid crossings, and
the other coordinate is interpolated along the street's own intersections (see the package docstring).
"""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from civicloop.places.geocoding.grid_lines import _EAST_WEST_NUMBERS, _NORTH_SOUTH_NUMBERS, _NUMBERED_STREET
from civicloop.places.geocoding.measures import _DEGREE_METRES, _interpolate
from civicloop.places.geocoding.streets import _Street

_KNOT_TOLERANCE = {0: 0.0008, 1: 0.0011}  # degrees of latitude / longitude, about 90 m
_SPAN_SLACK = {0: 0.00135, 1: 0.0018}  # about 150 m beyond a street's last intersection
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


def _increasing(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The longest subsequence of (grid, coordinate) points, sorted by grid, whose coordinate increases."""
    best: list[list[tuple[float, float]]] = []
    for point in points:
        candidates = [chain for chain in best if chain[-1][1] < point[1]]
        best.append([*max(candidates, key=len, default=[]), point])
    return max(best, key=len, default=[])


class _AddressGrid:
    """The address grid of the gazetteer's streets (mixed into it: it needs its streets and crossings)."""

    streets: dict[str, _Street]
    scales: tuple[list[_Scale], list[_Scale]]
    centers: tuple[list[float], ...]

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
