"""Server-rendered SVG charts: a choropleth map of the community areas, bar charts, month charts.

Every chart is an <svg role="img"> named by its <title> and described by its <desc>; each value is also
written as text next to its bar or in the area's tooltip, and the map legend names each colour's value
range in words, so no meaning rests on colour alone. Each chart sits next to a table of the same data.
Colours are given as presentation attributes (fill="…"), which the Content-Security-Policy allows.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from shapely.geometry import shape

MAP_WIDTH = 600
# Degrees: about 80 m, invisible at this size, and a twentieth of the points.
SIMPLIFY_TOLERANCE = 0.0008
# Sequential blues, light to dark (ColorBrewer Blues, 5 classes); grey: no figure to show.
CLASS_COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
NO_DATA_COLOUR = "#d9d9d9"
BAR_COLOUR = "#1f5f99"


def _rings(geometry: Any) -> Iterable[Sequence[tuple[float, float]]]:
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        yield polygon.exterior.coords
        for interior in polygon.interiors:
            yield interior.coords


def map_paths(boundaries: Sequence[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """SVG path data per community area number, projected once (at refresh, not per view).

    Equirectangular: x = longitude × cos(mid-latitude), y = −latitude, scaled to MAP_WIDTH; the
    boundaries are simplified first (shapely, topology preserved).
    """
    shapes = []
    for number, boundary in boundaries:
        if not boundary:
            continue
        geometry = shape(boundary).simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
        if not geometry.is_empty:
            shapes.append((number, geometry))
    if not shapes:
        return {"width": MAP_WIDTH, "height": 0, "paths": {}}
    min_x = min(geometry.bounds[0] for _, geometry in shapes)
    min_y = min(geometry.bounds[1] for _, geometry in shapes)
    max_x = max(geometry.bounds[2] for _, geometry in shapes)
    max_y = max(geometry.bounds[3] for _, geometry in shapes)
    squeeze = math.cos(math.radians((min_y + max_y) / 2))
    scale = MAP_WIDTH / max((max_x - min_x) * squeeze, 1e-9)
    height = round((max_y - min_y) * scale, 1)
    paths = {}
    for number, geometry in shapes:
        parts = []
        for ring in _rings(geometry):
            points = [
                f"{(lon - min_x) * squeeze * scale:.1f},{(max_y - lat) * scale:.1f}" for lon, lat, *_ in ring
            ]
            parts.append("M" + "L".join(points) + "Z")
        paths[str(number)] = "".join(parts)
    return {"width": MAP_WIDTH, "height": height, "paths": paths}


@dataclass(frozen=True)
class MapClass:
    colour: str
    low: float
    high: float


def map_classes(values: Iterable[float | None], classes: int = len(CLASS_COLOURS)) -> list[MapClass]:
    """Equal-interval classes from 0 to the largest value (rounded up to a readable step)."""
    largest = max((value for value in values if value is not None), default=0.0)
    if largest <= 0:
        return [MapClass(CLASS_COLOURS[0], 0.0, 0.0)]
    raw_step = largest / classes
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    return [
        MapClass(CLASS_COLOURS[index], round(index * step, 6), round((index + 1) * step, 6))
        for index in range(classes)
    ]


def map_colour(value: float | None, classes: Sequence[MapClass]) -> str:
    if value is None:
        return NO_DATA_COLOUR
    for map_class in classes:
        if value <= map_class.high:
            return map_class.colour
    return classes[-1].colour


@dataclass(frozen=True)
class MapArea:
    number: int
    label: str  # "Hyde Park: 4.2 per 1,000 residents", shown as the area's tooltip
    value: float | None


def choropleth_svg(
    *, geometry: dict[str, Any], areas: Sequence[MapArea], classes: Sequence[MapClass], title: str, desc: str
) -> SafeString:
    """The community areas filled by class, each with its value as its tooltip.

    No links inside: an image's content is not reachable by keyboard; the table next to it links each area.
    """
    paths = geometry.get("paths", {})
    shapes = []
    for area in areas:
        data = paths.get(str(area.number))
        if not data:
            continue
        shapes.append(
            format_html(
                '<path d="{}" fill="{}" stroke="#ffffff" stroke-width="0.8"><title>{}</title></path>',
                data,
                map_colour(area.value, classes),
                area.label,
            )
        )
    return format_html(
        '<svg class="insights-map" role="img" aria-labelledby="map-title map-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" preserveAspectRatio="xMidYMid meet" '
        'xmlns="http://www.w3.org/2000/svg"><title id="map-title">{title}</title>'
        '<desc id="map-desc">{desc}</desc>{body}</svg>',
        w=geometry.get("width", MAP_WIDTH),
        h=geometry.get("height", 0),
        title=title,
        desc=desc,
        body=mark_safe("".join(shapes)),  # noqa: S308 (each piece built by format_html)
    )


def legend_swatch(colour: str) -> SafeString:
    return format_html(
        '<svg width="18" height="18" aria-hidden="true" focusable="false"><rect width="18" height="18" '
        'fill="{}" stroke="#5c6670"/></svg>',
        colour,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as words: "4.5 days", "fewer than 10"


def bar_chart_svg(*, chart_id: str, bars: Sequence[Bar], title: str, desc: str) -> SafeString:
    """Horizontal bars, one a row, the label left and the value written at the bar's end."""
    row_height, label_width, bar_space, text_space = 26, 230, 260, 110
    width = label_width + bar_space + text_space
    height = max(row_height * len(bars) + 10, 30)
    largest = max((bar.value for bar in bars if bar.value is not None), default=0.0) or 1.0
    rows = []
    for index, bar in enumerate(bars):
        y = 5 + index * row_height
        length = 0.0 if bar.value is None else max(bar.value / largest * bar_space, 1.0)
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1b1f23">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" font-size="13" fill="#1b1f23">{}</text>',
                label_width - 6,
                y + 17,
                label,
                label_width,
                y + 4,
                f"{length:.1f}",
                row_height - 8,
                BAR_COLOUR,
                f"{label_width + length + 6:.1f}",
                y + 17,
                bar.text,
            )
        )
    return _svg(chart_id, width, height, title, desc, rows)


def month_chart_svg(*, chart_id: str, bars: Sequence[Bar], title: str, desc: str) -> SafeString:
    """Vertical bars, one a month, each labelled with its month and value (months in YYYY-MM)."""
    column, top, bottom, left = 34, 24, 48, 8
    plot = 160
    width = left * 2 + column * max(len(bars), 1)
    height = top + plot + bottom
    largest = max((bar.value for bar in bars if bar.value is not None), default=0.0) or 1.0
    columns = []
    for index, bar in enumerate(bars):
        x = left + index * column
        length = 0.0 if bar.value is None else bar.value / largest * plot
        columns.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#1b1f23">{}</text>'
                '<text x="{}" y="{}" text-anchor="end" font-size="10" fill="#1b1f23" '
                'transform="rotate(-60 {} {})">{}</text>',
                x + 4,
                f"{top + plot - length:.1f}",
                column - 8,
                f"{length:.1f}",
                BAR_COLOUR,
                x + column / 2,
                f"{top + plot - length - 4:.1f}",
                bar.text,
                x + column / 2,
                top + plot + 12,
                x + column / 2,
                top + plot + 12,
                bar.label,
            )
        )
    return _svg(chart_id, width, height, title, desc, columns)


def _svg(
    chart_id: str, width: int, height: int, title: str, desc: str, parts: list[SafeString]
) -> SafeString:
    return format_html(
        '<svg class="insights-chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=escape(chart_id),
        w=width,
        h=height,
        title=title,
        desc=desc,
        body=mark_safe("".join(parts)),  # noqa: S308 (each piece built by format_html)
    )
