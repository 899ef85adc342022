import difflib
import re
import unicodedata
from functools import lru_cache

from django.db.models import QuerySet
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.prepared import prep

from civicloop.places.models import CommunityArea


def community_area_list() -> QuerySet[CommunityArea]:
    return CommunityArea.objects.order_by("name")


def community_area_boundaries() -> list[tuple[int, dict[str, object]]]:
    """Each area's number and GeoJSON boundary (large: read only where a map or export needs them)."""
    return list(CommunityArea.objects.order_by("number").values_list("number", "boundary"))


_AREA_FILLER = {
    "the",
    "community",
    "area",
    "neighborhood",
    "neighbourhood",
    "barrio",
    "vecindario",
    "el",
    "la",
}
_AREA_ABBREVIATIONS = {
    "sq": "square",
    "mt": "mount",
    "pk": "park",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}


def _area_compact(text: str) -> str:
    """'The Lake View community area' -> 'lakeview'; "O'Hare" -> 'ohare' (no accents, case or spaces)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’`]", "", text))
    return "".join(_AREA_ABBREVIATIONS.get(word, word) for word in words if word not in _AREA_FILLER)


def community_area_by_name(text: str) -> CommunityArea | None:
    """The community area a resident names ("hyde park", "Lakeview", "OHARE", "Englewod"), or None.

    Case, accents, spaces and punctuation do not matter; a small misspelling is forgiven when one area is
    clearly closest ("Garfield Park" could be East or West: None). Neighbourhoods that are not community
    areas ("Pilsen", "Wicker Park") give None.
    """
    wanted = _area_compact(text or "")
    if len(wanted) < 3:
        return None
    areas = {_area_compact(name): pk for pk, name in CommunityArea.objects.values_list("id", "name")}
    pk = areas.get(wanted)
    if pk is None:
        scored = sorted(
            ((difflib.SequenceMatcher(None, wanted, compact).ratio(), compact) for compact in areas),
            reverse=True,
        )
        if not scored or scored[0][0] < 0.85:
            return None
        if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.03:
            return None
        pk = areas[scored[0][1]]
    return CommunityArea.objects.get(pk=pk)


@lru_cache(maxsize=1)
def _area_index() -> tuple[STRtree, list[tuple[int, object]]]:
    rows = list(CommunityArea.objects.values_list("id", "boundary"))
    geometries = [shape(boundary) for _, boundary in rows]
    return STRtree(geometries), [(pk, prep(geom)) for (pk, _), geom in zip(rows, geometries, strict=True)]


def community_area_index_clear() -> None:
    _area_index.cache_clear()


def community_area_for_point(*, latitude: float, longitude: float) -> CommunityArea | None:
    """The community area containing a WGS84 point, or None outside the city."""
    tree, prepared = _area_index()
    point = Point(longitude, latitude)
    for index in tree.query(point):
        pk, geometry = prepared[int(index)]
        if geometry.contains(point):  # type: ignore[attr-defined]
            return CommunityArea.objects.get(pk=pk)
    return None


def community_area_with_boundary(slug: str) -> CommunityArea | None:
    """The community area with this slug, boundary included (the manager leaves it out), or None."""
    return CommunityArea.objects.defer(None).filter(slug=slug).first()
