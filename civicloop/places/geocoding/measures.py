"""Distances and interpolation in degrees near Chicago, shared by the address grid and the resolving."""

import bisect
import math

_DEGREE_METRES = (111_200.0, 82_900.0)  # metres per degree of latitude / longitude at Chicago


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot((a[0] - b[0]) * _DEGREE_METRES[0], (a[1] - b[1]) * _DEGREE_METRES[1])


def _interpolate(xs: list[float], ys: list[float], x: float) -> float:
    """Piecewise-linear y(x) through sorted xs, extended linearly beyond both ends."""
    if len(xs) == 1:
        return ys[0]
    i = min(max(bisect.bisect_right(xs, x), 1), len(xs) - 1)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (x - x0) * (y1 - y0) / (x1 - x0)
