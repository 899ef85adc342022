"""The stored snapshot (one row, see services.insights_refresh) and the lookups every reader makes in it."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from civicloop.insights.models import InsightsSnapshot
from civicloop.insights.services import SNAPSHOT_PK


def snapshot_get() -> dict[str, Any] | None:
    """The stored aggregates (one query), or None before the first refresh."""
    data = InsightsSnapshot.objects.filter(pk=SNAPSHOT_PK).values_list("data", flat=True).first()
    return data if isinstance(data, dict) else None


def _service_name(data: dict[str, Any], service_id: Any, language: str) -> str:
    name, name_es, _department = data["services"].get(str(service_id), [str(service_id), "", ""])
    return str(name_es if language == "es" and name_es else name)


def _areas(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {area["number"]: area for area in data["areas"]}


def _trend(data: dict[str, Any], rows: list[Any], month: Callable[[Any], str]) -> list[Any]:
    return [row for row in rows if month(row) >= data["trend_start"]]


def _responses(rows: list[dict[str, Any]], keys: list[str], data: dict[str, Any], language: str) -> list[Any]:
    result = []
    for row in rows:
        values = [_service_name(data, row[key], language) if key == "svc" else row[key] for key in keys]
        result.append([*values, row["n"], row["median_days"], row["p90_days"], row["within_target"]])
    return sorted(result, key=lambda values: [str(value) for value in values[: len(keys)]])


def computed_at(data: dict[str, Any]) -> datetime | None:
    moment = parse_datetime(str(data.get("computed_at", "")))
    return timezone.localtime(moment) if moment else None
