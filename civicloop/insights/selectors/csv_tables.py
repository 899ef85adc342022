"""The rows behind each chart, for its CSV file (suppressed counts are None: empty cells)."""

from collections.abc import Callable
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from civicloop.core.errors import NotFound
from civicloop.insights.selectors.open_data import AreaMonthRow, _area_month_rows
from civicloop.insights.selectors.snapshot import _areas, _responses


class Table(NamedTuple):
    header: list[str]
    rows: list[list[Any]]


def _csv_participation_by_area(data: dict[str, Any], language: str) -> Table:
    areas = _areas(data)
    rows = [
        [
            row["number"],
            areas[row["number"]]["name"],
            areas[row["number"]]["population"],
            row["participants"],
            row["per_1000"],
            row["share_participants"],
            row["share_population"],
            row["representativeness"],
        ]
        for row in data["participation"]["areas"]
    ]
    header = [
        "community_area_number",
        "community_area_name",
        "population_2020",
        "participants",
        "participants_per_1000",
        "share_of_participants",
        "share_of_population",
        "representativeness_index",
    ]
    return Table(header, rows)


def _csv_participation_by_month(data: dict[str, Any], language: str) -> Table:
    return Table(["month", "participants"], [list(row) for row in data["city_months"]])


RESPONSE_COLUMNS = ["requests_closed", "median_days", "p90_days", "share_within_target"]


def _csv_responses_by_department(data: dict[str, Any], language: str) -> Table:
    rows = _responses(data["responses"]["by_department"], ["dept"], data, language)
    return Table(["department", *RESPONSE_COLUMNS], rows)


def _csv_responses_by_service(data: dict[str, Any], language: str) -> Table:
    rows = _responses(data["responses"]["by_service"], ["dept", "svc"], data, language)
    return Table(["department", "service", *RESPONSE_COLUMNS], rows)


def _csv_responses_by_month(data: dict[str, Any], language: str) -> Table:
    rows = _responses(data["responses"]["by_month"], ["month"], data, language)
    return Table(["month", *RESPONSE_COLUMNS], rows)


def _csv_responses_by_service_month(data: dict[str, Any], language: str) -> Table:
    rows = _responses(data["responses"]["by_service_month"], ["dept", "svc", "month"], data, language)
    return Table(["department", "service", "month", *RESPONSE_COLUMNS], rows)


REPLY_COLUMNS = ["ideas", "answered", "median_days", "p90_days"]


def _replies(rows: list[dict[str, Any]], keys: list[str]) -> list[Any]:
    return [[*(row[key] for key in keys), *(row[column] for column in REPLY_COLUMNS)] for row in rows]


def _csv_replies_by_department(data: dict[str, Any], language: str) -> Table:
    return Table(["department", *REPLY_COLUMNS], _replies(data["replies"]["by_department"], ["dept"]))


def _csv_replies_by_month(data: dict[str, Any], language: str) -> Table:
    return Table(["month", *REPLY_COLUMNS], _replies(data["replies"]["by_month"], ["month"]))


def _csv_replies_by_department_month(data: dict[str, Any], language: str) -> Table:
    rows = _replies(data["replies"]["by_department_month"], ["dept", "month"])
    return Table(["department", "month", *REPLY_COLUMNS], rows)


DELIVERY_COLUMNS = ["deliveries", "sent", "delivered", "failed"]


def _csv_delivery_reach(data: dict[str, Any], language: str) -> Table:
    rows = [
        [row["channel"], row["language"], row["total"], row["sent"], row["delivered"], row["failed"]]
        for row in data["delivery"]["reach"]
    ]
    return Table(["channel", "language", *DELIVERY_COLUMNS], rows)


def _csv_delivery_by_month(data: dict[str, Any], language: str) -> Table:
    rows = [[row["month"], row["channel"], row["sent"]] for row in data["delivery"]["by_month"]]
    return Table(["month", "channel", "sent"], rows)


def _csv_participation_by_area_month(data: dict[str, Any], language: str) -> Table:
    return Table(list(AreaMonthRow._fields), [list(row) for row in _area_month_rows(data)])


CSV_TABLES: dict[str, Callable[[dict[str, Any], str], Table]] = {
    "participation-by-area": _csv_participation_by_area,
    "participation-by-month": _csv_participation_by_month,
    "participation-by-area-month": _csv_participation_by_area_month,
    "response-times-by-department": _csv_responses_by_department,
    "response-times-by-service": _csv_responses_by_service,
    "response-times-by-month": _csv_responses_by_month,
    "response-times-by-service-month": _csv_responses_by_service_month,
    "official-replies-by-department": _csv_replies_by_department,
    "official-replies-by-month": _csv_replies_by_month,
    "official-replies-by-department-month": _csv_replies_by_department_month,
    "delivery-reach": _csv_delivery_reach,
    "delivery-by-month": _csv_delivery_by_month,
}


def chart_table(data: dict[str, Any], chart: str, *, language: str = "en") -> Table:
    """The rows behind one chart, for its CSV file (suppressed counts are None: empty cells)."""
    if chart not in CSV_TABLES:
        raise NotFound(_("There is no such chart."))
    return CSV_TABLES[chart](data, language)
