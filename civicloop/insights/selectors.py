"""Insights reads: the stored snapshot shaped for the dashboards, the area pages, CSV files and open data.

Pages read one snapshot row (see services.insights_refresh) and shape it in memory; only an area page
also reads its live lists (announcements, questions, ideas). Definitions of every figure: aggregates.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from civicloop.announcements.selectors import (
    AnnouncementFilters,
    announcement_public_list,
    announcements_localize,
)
from civicloop.core.errors import NotFound
from civicloop.engage.models import Idea, ModerationState, Question, Space
from civicloop.insights import svg
from civicloop.insights.models import InsightsSnapshot
from civicloop.insights.services import SNAPSHOT_PK, insights_snapshot_ensure
from civicloop.places.models import CommunityArea

AREA_LIST_LIMIT = 5


def snapshot_get() -> dict[str, Any] | None:
    """The stored aggregates (one query), or None before the first refresh."""
    data = InsightsSnapshot.objects.filter(pk=SNAPSHOT_PK).values_list("data", flat=True).first()
    return data if isinstance(data, dict) else None


# Formatting ---------------------------------------------------------------------------------------


def fewer_than(k: int) -> str:
    return _("fewer than %(k)d") % {"k": k}


def _number(value: float | int | None, k: int, decimals: int = 0) -> str:
    if value is None:
        return fewer_than(k)
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _figure(value: float | int | None, decimals: int = 1) -> str:
    """A derived figure (rate, share, index): '—' when its count is suppressed or unknown."""
    if value is None:
        return "—"
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _percent(share: float | None) -> str:
    return "—" if share is None else _figure(share * 100, 1) + "%"


def _days(days: float | None) -> str:
    if days is None:
        return "—"
    return _("%(days)s days") % {"days": _figure(days, 1)}


# CSV ----------------------------------------------------------------------------------------------


class Table(NamedTuple):
    header: list[str]
    rows: list[list[Any]]


def _service_name(data: dict[str, Any], service_id: Any, language: str) -> str:
    name, name_es, _department = data["services"].get(str(service_id), [str(service_id), "", ""])
    return str(name_es if language == "es" and name_es else name)


def _areas(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {area["number"]: area for area in data["areas"]}


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


def _trend(data: dict[str, Any], rows: list[Any], month: Callable[[Any], str]) -> list[Any]:
    return [row for row in rows if month(row) >= data["trend_start"]]


def _csv_participation_by_month(data: dict[str, Any], language: str) -> Table:
    return Table(["month", "participants"], [list(row) for row in data["city_months"]])


def _responses(rows: list[dict[str, Any]], keys: list[str], data: dict[str, Any], language: str) -> list[Any]:
    result = []
    for row in rows:
        values = [_service_name(data, row[key], language) if key == "svc" else row[key] for key in keys]
        result.append([*values, row["n"], row["median_days"], row["p90_days"], row["within_target"]])
    return sorted(result, key=lambda values: [str(value) for value in values[: len(keys)]])


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


# Open data ----------------------------------------------------------------------------------------


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


# Dashboards ---------------------------------------------------------------------------------------


@dataclass
class Chart:
    slug: str
    heading: str
    svg: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    links: list[str] = field(default_factory=list)  # per row: where its first cell links to, if anywhere

    @property
    def table(self) -> list["TableRow"]:
        return [
            TableRow(head=row[0], href=self.links[index] if index < len(self.links) else "", cells=row[1:])
            for index, row in enumerate(self.rows)
        ]


@dataclass(frozen=True)
class TableRow:
    head: str
    href: str
    cells: list[str]


def computed_at(data: dict[str, Any]) -> datetime | None:
    moment = parse_datetime(str(data.get("computed_at", "")))
    return timezone.localtime(moment) if moment else None


def _participation_chart(data: dict[str, Any]) -> tuple[Chart, list[svg.MapClass]]:
    k = data["k"]
    areas = _areas(data)
    rows = data["participation"]["areas"]
    classes = svg.map_classes(row["per_1000"] for row in rows)
    map_areas = [
        svg.MapArea(
            number=row["number"],
            label=_("%(area)s: %(value)s participants per 1,000 residents")
            % {"area": areas[row["number"]]["name"], "value": _figure(row["per_1000"], 2)}
            if row["per_1000"] is not None
            else _("%(area)s: %(fewer)s participants")
            % {"area": areas[row["number"]]["name"], "fewer": fewer_than(k)},
            value=row["per_1000"],
        )
        for row in rows
    ]
    city = data["participation"]["city"]
    svg_text = svg.choropleth_svg(
        geometry=data["map"],
        areas=map_areas,
        classes=classes,
        title=_("Participants per 1,000 residents by community area, last 12 months"),
        desc=_(
            "Map of Chicago's 77 community areas, darker where more residents took part. City-wide: "
            "%(city)s per 1,000 residents. Grey: fewer than %(k)d participants, not shown. "
            "The table below gives every value."
        )
        % {"city": _figure(city["per_1000"], 2), "k": k},
    )
    table_rows = []
    links = []
    for row in sorted(rows, key=lambda row: areas[row["number"]]["name"]):
        area = areas[row["number"]]
        table_rows.append(
            [
                area["name"],
                _number(area["population"], k),
                _number(row["participants"], k),
                _figure(row["per_1000"], 2),
                _percent(row["share_participants"]),
                _percent(row["share_population"]),
                _figure(row["representativeness"], 2),
            ]
        )
        links.append(f"/areas/{area['slug']}/")
    chart = Chart(
        slug="participation-by-area",
        heading=_("Participation by community area"),
        svg=svg_text,
        header=[
            _("Community area"),
            _("Population (2020)"),
            _("Participants"),
            _("Per 1,000 residents"),
            _("Share of participants"),
            _("Share of population"),
            _("Representativeness index"),
        ],
        rows=table_rows,
        caption=_("Participation by community area, last 12 months"),
        links=links,
    )
    return chart, classes


def _legend(classes: list[svg.MapClass], k: int) -> list[tuple[str, str]]:
    legend: list[tuple[str, str]] = [
        (
            svg.legend_swatch(map_class.colour),
            _("%(low)s to %(high)s per 1,000 residents")
            % {"low": _figure(map_class.low, 2), "high": _figure(map_class.high, 2)},
        )
        for map_class in classes
    ]
    legend.append(
        (svg.legend_swatch(svg.NO_DATA_COLOUR), _("Fewer than %(k)d participants: not shown") % {"k": k})
    )
    return legend


def _month_chart(
    slug: str, heading: str, title: str, desc: str, points: list[tuple[str, float | None, str]]
) -> Chart:
    bars = [svg.Bar(label=month, value=value, text=text) for month, value, text in points]
    return Chart(
        slug=slug,
        heading=heading,
        svg=svg.month_chart_svg(chart_id=slug, bars=bars, title=title, desc=desc),
        header=[_("Month"), heading],
        rows=[[month, text] for month, _value, text in points],
        caption=title,
    )


def _participation_months_chart(data: dict[str, Any]) -> Chart:
    k = data["k"]
    points = [
        (month, count, _number(count, k))
        for month, count in _trend(data, data["city_months"], lambda row: row[0])
    ]
    return _month_chart(
        "participation-by-month",
        _("Participants"),
        _("Participants in Chicago per month"),
        _(
            "Bar chart, one bar a month, of distinct residents who took part; "
            "the value is written on each bar."
        ),
        points,
    )


def _response_chart(data: dict[str, Any]) -> Chart:
    k = data["k"]
    rows = sorted(data["responses"]["by_department"], key=lambda row: row["dept"])
    bars = [svg.Bar(row["dept"], row["median_days"], _days(row["median_days"])) for row in rows]
    return Chart(
        slug="response-times-by-department",
        heading=_("311 response times by department"),
        svg=svg.bar_chart_svg(
            chart_id="response-times-by-department",
            bars=bars,
            title=_("Median days to close a 311 request, by department, last 12 months"),
            desc=_("Bar chart, one bar a department; the median is written at the end of each bar."),
        ),
        header=[_("Department"), _("Requests closed"), _("Median"), _("90th percentile"), _("Within target")],
        rows=[
            [
                row["dept"],
                _number(row["n"], k),
                _days(row["median_days"]),
                _days(row["p90_days"]),
                _percent(row["within_target"]),
            ]
            for row in rows
        ],
        caption=_("311 response times by department, last 12 months"),
    )


def _response_months_chart(data: dict[str, Any]) -> Chart:
    k = data["k"]
    rows = _trend(
        data, sorted(data["responses"]["by_month"], key=lambda row: row["month"]), lambda row: row["month"]
    )
    chart = _month_chart(
        "response-times-by-month",
        _("Median days to close"),
        _("Median days to close a 311 request, by month closed"),
        _("Bar chart, one bar a month; the median in days is written on each bar."),
        [(row["month"], row["median_days"], _figure(row["median_days"], 1)) for row in rows],
    )
    chart.header = [_("Month"), _("Requests closed"), _("Median"), _("90th percentile"), _("Within target")]
    chart.rows = [
        [
            row["month"],
            _number(row["n"], k),
            _days(row["median_days"]),
            _days(row["p90_days"]),
            _percent(row["within_target"]),
        ]
        for row in rows
    ]
    return chart


def _reply_chart(data: dict[str, Any]) -> Chart:
    k = data["k"]
    rows = data["replies"]["by_department"]
    bars = [svg.Bar(row["dept"], row["median_days"], _days(row["median_days"])) for row in rows]
    return Chart(
        slug="official-replies-by-department",
        heading=_("Official replies to ideas"),
        svg=svg.bar_chart_svg(
            chart_id="official-replies-by-department",
            bars=bars,
            title=_(
                "Median days from an idea to the city's first official reply, by department, last 12 months"
            ),
            desc=_("Bar chart, one bar a department; the median is written at the end of each bar."),
        ),
        header=[_("Department"), _("Ideas"), _("Answered"), _("Median"), _("90th percentile")],
        rows=[
            [
                row["dept"],
                _number(row["ideas"], k),
                _number(row["answered"], k),
                _days(row["median_days"]),
                _days(row["p90_days"]),
            ]
            for row in rows
        ],
        caption=_("Time to the first official reply, last 12 months"),
    )


def _channel_name(channel: str) -> str:
    return {"email": _("Email"), "sms": _("Text message")}.get(channel, channel)


def _language_name(code: str) -> str:
    return {"en": _("English"), "es": _("Spanish")}.get(code, code)


def _delivery_chart(data: dict[str, Any]) -> Chart:
    k = data["k"]
    rows = data["delivery"]["reach"]
    bars = [
        svg.Bar(
            f"{_channel_name(row['channel'])} · {_language_name(row['language'])}",
            row["delivered"],
            _number(row["delivered"], k),
        )
        for row in rows
    ]
    return Chart(
        slug="delivery-reach",
        heading=_("Delivery reach by channel and language"),
        svg=svg.bar_chart_svg(
            chart_id="delivery-reach",
            bars=bars,
            title=_("Messages delivered by channel and language, last 12 months"),
            desc=_("Bar chart, one bar a channel and language; the count is written at the end of each bar."),
        ),
        header=[_("Channel"), _("Language"), _("Messages"), _("Sent"), _("Delivered"), _("Failed")],
        rows=[
            [
                _channel_name(row["channel"]),
                _language_name(row["language"]),
                *(_number(row[key], k) for key in ("total", "sent", "delivered", "failed")),
            ]
            for row in rows
        ],
        caption=_("Delivery reach by channel and language, last 12 months"),
    )


def _reply_months_chart(data: dict[str, Any]) -> Chart:
    k = data["k"]
    rows = _trend(data, data["replies"]["by_month"], lambda row: row["month"])
    chart = _month_chart(
        "official-replies-by-month",
        _("Median days to an official reply"),
        _("Median days to the first official reply, by month the idea was posted"),
        _("Bar chart, one bar a month; the median in days is written on each bar."),
        [(row["month"], row["median_days"], _figure(row["median_days"], 1)) for row in rows],
    )
    chart.header = [_("Month"), _("Ideas"), _("Answered"), _("Median"), _("90th percentile")]
    chart.rows = [
        [
            row["month"],
            _number(row["ideas"], k),
            _number(row["answered"], k),
            _days(row["median_days"]),
            _days(row["p90_days"]),
        ]
        for row in rows
    ]
    return chart


def _service_chart(data: dict[str, Any], language: str) -> Chart:
    k = data["k"]
    rows = _responses(data["responses"]["by_service"], ["dept", "svc"], data, language)
    return Chart(
        slug="response-times-by-service",
        heading=_("311 response times by service"),
        svg="",
        header=[
            _("Department"),
            _("Service"),
            _("Requests closed"),
            _("Median"),
            _("90th percentile"),
            _("Within target"),
        ],
        rows=[
            [dept, service, _number(n, k), _days(median), _days(p90), _percent(within)]
            for dept, service, n, median, p90, within in rows
        ],
        caption=_("311 response times by service, last 12 months"),
    )


@dataclass
class Dashboard:
    k: int
    computed_at: datetime | None
    city: dict[str, Any]
    legend: list[tuple[str, str]]
    charts: list[Chart]
    staff_charts: list[Chart]


def dashboard(data: dict[str, Any], *, language: str = "en", staff: bool = False) -> Dashboard:
    """Every public chart with its table (and, for staff, the detailed tables too)."""
    participation, classes = _participation_chart(data)
    charts = [
        participation,
        _participation_months_chart(data),
        _response_chart(data),
        _response_months_chart(data),
        _reply_chart(data),
        _delivery_chart(data),
    ]
    staff_charts = [_service_chart(data, language), _reply_months_chart(data)] if staff else []
    city = {
        "participation": data["participation"]["city"],
        "responses": data["responses"]["city"],
        "replies": data["replies"]["city"],
    }
    return Dashboard(
        k=data["k"],
        computed_at=computed_at(data),
        city=city,
        legend=_legend(classes, data["k"]),
        charts=charts,
        staff_charts=staff_charts,
    )


# Area pages ---------------------------------------------------------------------------------------


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
