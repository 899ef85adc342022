"""``place_locate``: the point in Chicago a resident's text names, and its community area."""

from __future__ import annotations

import math
from dataclasses import dataclass

from civicloop.places.geocoding.intersections import _gazetteer
from civicloop.places.geocoding.measures import _DEGREE_METRES
from civicloop.places.geocoding.resolving import _address_hits, _crossing_hits, _Hit, _single
from civicloop.places.geocoding.street_text import _tokenize
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_for_point


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
