"""Insights writes: `insights_refresh` computes every aggregate the dashboards and area pages show and
stores them whole in one InsightsSnapshot row. See aggregates.py for what each number means.

Privacy: a count of people (participants, deliveries to people) under settings.OPENDATA_MIN_CELL is
stored as None, so no page, table or CSV can show it ("fewer than 10"; empty in CSV), and every
figure derived from it (per 1,000 residents, shares, the representativeness index) is None too.
Counts of 311 requests and ideas, and their durations, are not counts of people: requests and ideas
are public one by one already, so they are shown whatever their size. The city-wide total is
published, so with one area suppressed among many published ones its count could be bounded by
difference; no complementary suppression is made (each person may count in more than one area).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.assistant.response_times import inbox_response_times
from civicloop.insights import aggregates
from civicloop.insights.models import InsightsSnapshot
from civicloop.insights.svg import map_paths
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_boundaries
from civicloop.servicerequests.models import Service

# Dashboards look at the last 12 months; trends show the last 24.
WINDOW_MONTHS = 12
TREND_MONTHS = 24
SNAPSHOT_PK = 1


def min_cell() -> int:
    return int(settings.OPENDATA_MIN_CELL)


def suppressed(count: int | None) -> int | None:
    """The count, or None when it counts fewer than k people."""
    if count is None or count < min_cell():
        return None
    return int(count)


def month_start(moment: datetime, months_back: int) -> datetime:
    """Midnight on the first day of the month `months_back` months before `moment`'s, local time."""
    local = timezone.localtime(moment)
    year, month = local.year, local.month - months_back
    while month < 1:
        month += 12
        year -= 1
    return local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def months_between(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from `first` to `last`, both included."""
    year, month = int(first[:4]), int(first[5:7])
    result = []
    while f"{year:04d}-{month:02d}" <= last:
        result.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return result


def _per_1000(count: int | None, population: int) -> float | None:
    if count is None or not population:
        return None
    return round(count * 1000 / population, 2)


@dataclass(frozen=True)
class RefreshResult:
    computed_at: datetime
    areas: int
    data: dict[str, Any]


def _participation(areas: list[CommunityArea], since: datetime) -> dict[str, Any]:
    by_area, city = aggregates.participants_since(since)
    population = sum(area.population_2020 for area in areas)
    known = sum(by_area.values())
    rows = []
    for area in areas:
        raw = by_area.get(area.pk, 0)
        count = suppressed(raw)
        share_people = round(raw / known, 4) if known and count is not None else None
        share_population = round(area.population_2020 / population, 4) if population else None
        index = (
            round(share_people / share_population, 2)
            if share_people is not None and share_population
            else None
        )
        rows.append(
            {
                "number": area.number,
                "participants": count,
                "per_1000": _per_1000(count, area.population_2020),
                "share_participants": share_people,
                "share_population": share_population,
                "representativeness": index,
            }
        )
    city_count = suppressed(city)
    return {
        "areas": rows,
        "city": {
            "participants": city_count,
            "population": population,
            "per_1000": _per_1000(city_count, population),
        },
    }


def _participation_months(areas: list[CommunityArea], now: datetime) -> dict[str, Any]:
    numbers = {area.pk: area.number for area in areas}
    by_area_month = aggregates.participants_by_area_month()
    city_months = aggregates.participants_by_month()
    last = timezone.localtime(now).strftime("%Y-%m")
    first = min([*city_months, last])
    months = months_between(first, last)
    counts = {(numbers[area], month): n for area, month, n in by_area_month if area in numbers}
    return {
        # Every area in every month since the first participation: an absent row would tell 0 from 1-9.
        "area_months": [
            [area.number, month, suppressed(counts.get((area.number, month), 0))]
            for month in months
            for area in areas
        ],
        "city_months": [[month, suppressed(city_months.get(month, 0))] for month in months],
    }


def _response_times(since: datetime) -> dict[str, Any]:
    target = aggregates.request_target()
    closed_all = aggregates.closed_requests()
    closed_window = aggregates.closed_requests(since)

    def summary(queryset: Any, groups: list[str]) -> list[dict[str, Any]]:
        return aggregates.duration_summary(
            queryset, start="requested_at", end="closed_at", groups=groups, target=target
        )

    city = summary(closed_window, [])
    return {
        "city": city[0] if city else None,
        "by_department": summary(closed_window, ["dept"]),
        "by_service": summary(closed_window, ["dept", "svc"]),
        "by_area": summary(closed_window, ["area"]),
        "by_month": summary(closed_all, ["month"]),
        "by_department_month": summary(closed_all, ["dept", "month"]),
        "by_service_month": summary(closed_all, ["dept", "svc", "month"]),
    }


def _reply_times(since: datetime) -> dict[str, Any]:
    window = aggregates.ideas_with_first_reply(since)
    every = aggregates.ideas_with_first_reply()

    def summary(queryset: Any, groups: list[str]) -> list[dict[str, Any]]:
        durations = aggregates.duration_summary(
            queryset.filter(answered_at__isnull=False), start="created_at", end="answered_at", groups=groups
        )
        keyed = {tuple(row[name] for name in groups): row for row in durations}
        rows = []
        for counts in aggregates.idea_counts(queryset, groups):
            key = tuple(counts[name] for name in groups)
            found = keyed.get(key, {})
            rows.append(
                {
                    **counts,
                    "median_days": found.get("median_days"),
                    "p90_days": found.get("p90_days"),
                }
            )
        return sorted(rows, key=lambda row: tuple(str(row[name]) for name in groups))

    city = summary(window, [])
    return {
        "city": city[0] if city and city[0]["ideas"] else None,
        "by_department": summary(window, ["dept"]),
        "by_month": summary(every, ["month"]),
        "by_department_month": summary(every, ["dept", "month"]),
    }


def _delivery(since: datetime) -> dict[str, Any]:
    reach = [
        {
            "channel": row["channel"],
            "language": row["language"],
            **{key: suppressed(row[key]) for key in ("total", "sent", "delivered", "failed")},
        }
        for row in aggregates.delivery_reach(since)
    ]
    months = [{**row, "sent": suppressed(row["sent"])} for row in aggregates.delivery_by_month()]
    return {
        "reach": sorted(reach, key=lambda row: (row["channel"], row["language"])),
        "by_month": sorted(months, key=lambda row: (row["month"], row["channel"])),
    }


def _inbox_answers(now: datetime, since: datetime) -> dict[str, Any]:
    """Residents' messages answered by staff, by channel and language (no row under k conversations)."""
    days = max((now - since).days, 1)
    rows = []
    for row in inbox_response_times(days=days, now=now):
        conversations = suppressed(row.conversations)
        if conversations is None:
            continue  # too few people to show: leaves out the row, its times with it
        rows.append(
            {
                "channel": row.channel,
                "language": row.language,
                "conversations": conversations,
                "answered": suppressed(row.answered_by_staff),
                "median_hours": row.first_reply_median_hours,
                "p90_hours": row.first_reply_p90_hours,
                "resolved": suppressed(row.resolved),
                "resolution_median_hours": row.resolution_median_hours,
            }
        )
    return {"by_channel": rows}


def _area_requests(areas: list[CommunityArea], since: datetime) -> dict[str, list[list[Any]]]:
    numbers = {area.pk: area.number for area in areas}
    table: dict[tuple[int, int], dict[str, int]] = {}
    for area, service, status, n in aggregates.request_counts_by_area(since):
        if area in numbers:
            table.setdefault((numbers[area], service), {})[status] = n
    by_area: dict[str, list[list[Any]]] = {}
    for (number, service), counts in sorted(table.items()):
        by_area.setdefault(str(number), []).append([service, counts.get("open", 0), counts.get("closed", 0)])
    return by_area


def insights_compute(*, now: datetime | None = None) -> dict[str, Any]:
    """Every aggregate, as a JSON-ready document (people counts under k already None)."""
    now = now or timezone.now()
    since = month_start(now, WINDOW_MONTHS - 1)
    areas = list(CommunityArea.objects.order_by("number"))
    participation = _participation(areas, since)
    responses = _response_times(since)
    area_by_pk = {area.pk: area.number for area in areas}
    response_by_area = {
        str(area_by_pk[row["area"]]): row for row in responses.pop("by_area") if row["area"] in area_by_pk
    }
    services = {
        str(pk): [name, name_es, department]
        for pk, name, name_es, department in Service.objects.values_list(
            "pk", "name", "name_es", "department"
        )
    }
    return {
        "k": min_cell(),
        "window_start": since.date().isoformat(),
        "computed_at": now.isoformat(),
        "trend_start": month_start(now, TREND_MONTHS - 1).strftime("%Y-%m"),
        "areas": [
            {"number": area.number, "name": area.name, "slug": area.slug, "population": area.population_2020}
            for area in areas
        ],
        "map": map_paths(community_area_boundaries()),
        "participation": participation,
        **_participation_months(areas, now),
        "responses": responses,
        "responses_by_area": response_by_area,
        "area_requests": _area_requests(areas, since),
        "services": services,
        "replies": _reply_times(since),
        "delivery": _delivery(since),
        "inbox": _inbox_answers(now, since),
    }


def insights_refresh(*, now: datetime | None = None) -> RefreshResult:
    """Recompute every aggregate and replace the stored snapshot (idempotent; safe to run twice).

    Pages read only the snapshot afterwards. Returns when it was computed and how many areas it has.
    """
    data = insights_compute(now=now)
    computed_at = now or timezone.now()
    with transaction.atomic():
        InsightsSnapshot.objects.update_or_create(
            pk=SNAPSHOT_PK, defaults={"computed_at": computed_at, "data": data}
        )
    return RefreshResult(computed_at=computed_at, areas=len(data["areas"]), data=data)


def insights_snapshot_ensure() -> dict[str, Any]:
    """The stored aggregates; computed now if they never were (the first view after a fresh install)."""
    data = InsightsSnapshot.objects.filter(pk=SNAPSHOT_PK).values_list("data", flat=True).first()
    if isinstance(data, dict):
        return data
    return insights_refresh().data
