"""Resolving the streets read in a text to places: house numbers on a street, corners of two streets,
and the one place all of them agree on (or none)."""

from __future__ import annotations

from dataclasses import dataclass

from civicloop.places.geocoding.intersections import _Gazetteer
from civicloop.places.geocoding.measures import _metres
from civicloop.places.geocoding.street_text import (
    _HOUSE_NUMBER,
    _SEPARATORS,
    _Reference,
    _street_backward,
    _street_forward,
)
from civicloop.places.geocoding.streets import _ORDINARY_TYPES, _Crossing, _Street


@dataclass(frozen=True)
class _Hit:
    latitude: float
    longitude: float
    label: str
    precision: str


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
