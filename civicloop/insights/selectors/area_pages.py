"""The community area pages: the index, and one area's live lists with its stored figures."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.announcements.selectors import (
    AnnouncementFilters,
    announcement_public_list,
    announcements_localize,
)
from civicloop.core.errors import NotFound
from civicloop.engage.models import Idea, ModerationState, Question, Space
from civicloop.insights.selectors.formatting import _number
from civicloop.insights.selectors.snapshot import _service_name, computed_at
from civicloop.places.models import CommunityArea

AREA_LIST_LIMIT = 5


def community_area_list() -> list[dict[str, Any]]:
    """Areas for the /areas/ index, by name (no boundaries read)."""
    areas = CommunityArea.objects.order_by("name").values("number", "name", "slug", "population_2020")
    return [dict(area) for area in areas]


def community_area_by_slug(slug: str) -> CommunityArea:
    area = CommunityArea.objects.filter(slug=slug).first()
    if area is None:
        raise NotFound(_("There is no such community area."))
    return area


@dataclass
class AreaPage:
    area: CommunityArea
    k: int
    computed_at: datetime | None
    announcements: list[Any]
    questions: list[Question]
    ideas: list[Idea]
    participation: dict[str, Any] | None
    city_participation: dict[str, Any]
    responses: dict[str, Any] | None
    city_responses: dict[str, Any] | None
    requests: list[list[Any]]
    requests_total: int
    population: str


def area_page(*, area: CommunityArea, data: dict[str, Any], language: str) -> AreaPage:
    """One community area: its live announcements, open questions and ideas, and its stored figures."""
    announcements = announcements_localize(
        announcement_public_list(filters=AnnouncementFilters(area=area.slug))[:AREA_LIST_LIMIT], language
    )
    now = timezone.now()
    questions = list(
        Question.objects.filter(
            community_areas=area,
            space__visibility=Space.Visibility.PUBLIC,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .select_related("space")
        .order_by("closes_at", "id")[:AREA_LIST_LIMIT]
    )
    ideas = list(
        Idea.objects.filter(
            community_area=area,
            question__space__visibility=Space.Visibility.PUBLIC,
            moderation_state=ModerationState.PUBLISHED,
        ).order_by("-created_at", "-id")[:AREA_LIST_LIMIT]
    )
    participation = next(
        (row for row in data["participation"]["areas"] if row["number"] == area.number), None
    )
    requests = [
        [_service_name(data, service, language), opened, closed]
        for service, opened, closed in data["area_requests"].get(str(area.number), [])
    ]
    requests.sort(key=lambda row: (-(row[1] + row[2]), row[0]))
    return AreaPage(
        area=area,
        k=data["k"],
        computed_at=computed_at(data),
        announcements=announcements,
        questions=questions,
        ideas=ideas,
        participation=participation,
        city_participation=data["participation"]["city"],
        responses=data["responses_by_area"].get(str(area.number)),
        city_responses=data["responses"]["city"],
        requests=requests,
        requests_total=sum(row[1] + row[2] for row in requests),
        population=_number(area.population_2020, data["k"]),
    )
