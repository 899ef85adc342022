"""The public and staff dashboards: every chart as an SVG with its table.

Kept as one module: each chart is built the same way from the one stored snapshot, and read together."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from civicloop.assistant.models import Conversation
from civicloop.insights import svg
from civicloop.insights.selectors.formatting import _days, _figure, _number, _percent, fewer_than
from civicloop.insights.selectors.snapshot import _areas, _responses, _trend, computed_at


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


def _inbox_chart(data: dict[str, Any]) -> Chart | None:
    k = data["k"]
    rows = data.get("inbox", {}).get("by_channel", [])  # a snapshot from before it was counted has none
    if not rows:
        return None
    labels = dict(Conversation.Channel.choices)

    def hours(value: float | None) -> str:
        return "—" if value is None else _("%(hours)s hours") % {"hours": _figure(value, 1)}

    def label(row: dict[str, Any]) -> str:
        return f"{labels.get(row['channel'], row['channel'])} · {_language_name(row['language'])}"

    bars = [svg.Bar(label(row), row["median_hours"], hours(row["median_hours"])) for row in rows]
    return Chart(
        slug="messages-answered",
        heading=_("Residents' messages answered by staff"),
        svg=svg.bar_chart_svg(
            chart_id="messages-answered",
            bars=bars,
            title=_("Median hours from a resident's message to a staff reply, by channel and language"),
            desc=_(
                "Bar chart, one bar a channel and language; the median is written at the end of each bar."
            ),
        ),
        header=[
            _("Channel"),
            _("Language"),
            _("Conversations"),
            _("Answered by staff"),
            _("Median"),
            _("90th percentile"),
            _("Resolved"),
        ],
        rows=[
            [
                str(labels.get(row["channel"], row["channel"])),
                _language_name(row["language"]),
                _number(row["conversations"], k),
                _number(row["answered"], k),
                hours(row["median_hours"]),
                hours(row["p90_hours"]),
                _number(row["resolved"], k),
            ]
            for row in rows
        ],
        caption=_("Time to the first staff reply to a resident's message, last 12 months"),
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
    answered = _inbox_chart(data)
    if answered is not None:
        charts.append(answered)
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
