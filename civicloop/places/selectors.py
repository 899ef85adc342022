from functools import lru_cache

from django.db.models import QuerySet
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.prepared import prep

from civicloop.places.models import CommunityArea


def community_area_list() -> QuerySet[CommunityArea]:
    return CommunityArea.objects.order_by("name")


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
