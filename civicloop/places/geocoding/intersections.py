"""The intersection index: the city's named street intersections, read once per process.

Data: ``data/chicago_intersections.csv``, the city's 24,048 named street intersections (see data/SOURCES.md).
Streets are indexed by key, pairs of keys by the corners where they meet, and keys by length and first
letters for misspellings; the address grid is fitted from the same rows (:class:`_AddressGrid`).
"""

from __future__ import annotations

import csv
import difflib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from civicloop.places.geocoding.address_grid import _AddressGrid
from civicloop.places.geocoding.streets import (
    _COMMON_WORDS,
    _SKIPPED_TYPES,
    _STREET_TYPES,
    _Crossing,
    _Street,
)

INTERSECTIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "chicago_intersections.csv"


class _Gazetteer(_AddressGrid):
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
