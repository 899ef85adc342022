"""JSON API for Chicago's 77 community areas; the boundary comes only with one area."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from civicloop.core.api import PublicListPagination, web_url
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_list, community_area_with_boundary

router = Router(tags=["community areas"])


class AreaOut(Schema):
    number: int
    name: str
    slug: str
    population_2020: int
    url: str = Field(description="The announcements for this area on the website")

    @staticmethod
    def resolve_url(area: CommunityArea) -> str:
        return web_url("/announcements/", area=area.slug)


class AreaDetailOut(AreaOut):
    boundary: dict[str, Any] = Field(description="GeoJSON geometry (WGS84)")


@router.get("/areas", response=list[AreaOut], url_name="areas")
@paginate(PublicListPagination)
def areas(request: HttpRequest) -> QuerySet[CommunityArea]:
    """The community areas by name, without their boundaries."""
    return community_area_list()


@router.get("/areas/{slug}", response=AreaDetailOut, url_name="area")
def area(request: HttpRequest, slug: str) -> CommunityArea:
    """One community area with its boundary."""
    found = community_area_with_boundary(slug)
    if found is None:
        raise HttpError(404, _("There is no community area %(slug)s.") % {"slug": slug})
    return found
