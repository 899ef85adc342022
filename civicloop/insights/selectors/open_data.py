"""Participation by community area and month, for the open-data catalogue."""

from typing import Any, NamedTuple

from civicloop.insights.selectors.snapshot import _areas
from civicloop.insights.services import insights_snapshot_ensure


class AreaMonthRow(NamedTuple):
    community_area_number: int
    community_area_name: str
    month: str
    participants: int | None
    population_2020: int
    participants_per_1000: float | None


def _area_month_rows(data: dict[str, Any]) -> list[AreaMonthRow]:
    areas = _areas(data)
    rows = []
    for number, month, count in data["area_months"]:
        area = areas[number]
        per_1000 = (
            round(count * 1000 / area["population"], 2) if count is not None and area["population"] else None
        )
        rows.append(AreaMonthRow(number, area["name"], month, count, area["population"], per_1000))
    return rows


def participation_by_area_month() -> list[AreaMonthRow]:
    """Participants per community area and month, for the open-data catalogue (computed first if never
    computed). `participants` is None under settings.OPENDATA_MIN_CELL; so is the rate then."""
    return _area_month_rows(insights_snapshot_ensure())
