"""Benchmarks: load a realistic volume of data, then time pages in-process (no network).

The functions here work on whatever database is current; the `bench` command runs them in a
throwaway test database so the demo data is never touched, and the tests call them directly.
"""

import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from civicloop.announcements.models import Announcement, AnnouncementTranslation, Kind, Status
from civicloop.core.text import markdown_to_safe_html
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

TARGET_MS = 50.0
BATCH_SIZE = 2_000
PUBLISHED_SPAN = timedelta(days=730)
PREFERRED_AREA = "lower-west-side"
FILTER_TOPIC = "housing"

BODY_EN = (
    "The city is making a change that may affect you.\n\n"
    "- **What:** a new service or rule\n- **Where:** {area}\n- **When:** starting this month\n\n"
    "Questions? Call [311](tel:311) or visit [the city website](https://www.chicago.gov/)."
)
BODY_ES = (
    "La ciudad hace un cambio que puede afectarle.\n\n"
    "- **Qué:** un servicio o regla nueva\n- **Dónde:** {area}\n- **Cuándo:** a partir de este mes\n\n"
    "¿Preguntas? Llame al [311](tel:311) o visite [el sitio de la ciudad](https://www.chicago.gov/)."
)
# Roughly the city's mix: mostly programs and policies, a steady flow of events, few alerts.
KIND_WEIGHTS = [(Kind.PROGRAM, 35), (Kind.POLICY, 30), (Kind.EVENT, 25), (Kind.ALERT, 10)]


@dataclass(frozen=True)
class LoadResult:
    count: int
    seconds: float
    area_slug: str
    translations: int
    topic_links: int
    area_links: int


@dataclass(frozen=True)
class Timing:
    label: str
    url: str
    median_ms: float
    p90_ms: float
    max_ms: float
    queries: int
    size_bytes: int
    target_ms: float | None

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return "-"
        return "PASS" if self.median_ms <= self.target_ms else "FAIL"


class BenchResponseError(Exception):
    """A benchmarked page did not answer 200 with a body: the figures would be meaningless."""


def _pick_area_slug(slugs: Sequence[str]) -> str:
    return PREFERRED_AREA if PREFERRED_AREA in slugs else sorted(slugs)[0]


def load_announcements(*, count: int, seed: int = 2026) -> LoadResult:
    """Add `count` published announcements with translations, topics and areas, set-based (bulk_create)."""
    started = time.perf_counter()
    topics_ensure()
    community_areas_load()
    topics = list(Topic.objects.order_by("position").values_list("id", "name_en"))
    areas = list(CommunityArea.objects.order_by("name").values_list("id", "name", "slug"))
    area_slug = _pick_area_slug([slug for _, _, slug in areas])
    rng = random.Random(seed)
    kinds = [kind for kind, _ in KIND_WEIGHTS]
    weights = [weight for _, weight in KIND_WEIGHTS]
    now = timezone.now()
    html_cache: dict[tuple[str, str], str] = {}

    def html(template: str, area: str) -> str:
        key = (template, area)
        if key not in html_cache:
            html_cache[key] = markdown_to_safe_html(template.format(area=area))
        return html_cache[key]

    Through = Announcement.topics.through
    AreaThrough = Announcement.areas.through
    translations = topic_links = area_links = 0
    start_number = Announcement.objects.count()
    with transaction.atomic():
        for offset in range(0, count, BATCH_SIZE):
            plans = []
            for number in range(start_number + offset, start_number + min(offset + BATCH_SIZE, count)):
                kind = rng.choices(kinds, weights)[0]
                published_at = now - PUBLISHED_SPAN * rng.random()
                starts = None
                if kind == Kind.EVENT:
                    # Events from a year ago to a year ahead, so calendars have past and upcoming ones.
                    starts = now + timedelta(days=rng.uniform(-365, 365))
                    published_at = min(published_at, starts)
                chosen_topics = rng.sample(topics, rng.choice((1, 2)))
                area = rng.choice(areas) if rng.random() < 0.2 else None
                announcement = Announcement(
                    slug=f"bench-{number:07d}",
                    kind=kind,
                    status=Status.PUBLISHED,
                    is_citywide=area is None,
                    published_at=published_at,
                    event_starts_at=starts,
                    event_ends_at=starts + timedelta(hours=2) if starts else None,
                    event_location="Harold Washington Library Center, 400 S State St" if starts else "",
                )
                plans.append((announcement, chosen_topics, area, rng.random() < 1 / 3))
            created = Announcement.objects.bulk_create([plan[0] for plan in plans])
            texts: list[AnnouncementTranslation] = []
            topic_rows: list[Any] = []
            area_rows: list[Any] = []
            for announcement, (_, chosen_topics, area, spanish) in zip(created, plans, strict=True):
                place = area[1] if area else "All of Chicago"
                topic_name = chosen_topics[0][1]
                texts.append(
                    AnnouncementTranslation(
                        announcement_id=announcement.pk,
                        language="en",
                        title=f"{topic_name}: update {announcement.slug[6:]} for {place}",
                        summary=f"What changes for {place} residents, and how to get help.",
                        body_markdown=BODY_EN.format(area=place),
                        body_html=html(BODY_EN, place),
                    )
                )
                if spanish:
                    texts.append(
                        AnnouncementTranslation(
                            announcement_id=announcement.pk,
                            language="es",
                            title=f"{topic_name}: aviso {announcement.slug[6:]} para {place}",
                            summary=f"Qué cambia para los residentes de {place} y cómo obtener ayuda.",
                            body_markdown=BODY_ES.format(area=place),
                            body_html=html(BODY_ES, place),
                        )
                    )
                topic_rows.extend(
                    Through(announcement_id=announcement.pk, topic_id=topic_id)
                    for topic_id, _ in chosen_topics
                )
                if area:
                    area_rows.append(AreaThrough(announcement_id=announcement.pk, communityarea_id=area[0]))
            AnnouncementTranslation.objects.bulk_create(texts)
            Through.objects.bulk_create(topic_rows)
            AreaThrough.objects.bulk_create(area_rows)
            translations += len(texts)
            topic_links += len(topic_rows)
            area_links += len(area_rows)
    if connection.vendor == "postgresql":
        # Autovacuum analyses a table this size within a minute; do it now for steady-state plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return LoadResult(
        count=count,
        seconds=time.perf_counter() - started,
        area_slug=area_slug,
        translations=translations,
        topic_links=topic_links,
        area_links=area_links,
    )


def pages_urls(area_slug: str) -> list[tuple[str, str, float | None]]:
    """(label, URL, target in ms or None) for the `pages` suite."""
    return [
        ("list", "/announcements/", TARGET_MS),
        ("filtered list", f"/announcements/?topic={FILTER_TOPIC}&area={area_slug}", TARGET_MS),
        (
            "filtered feed",
            f"/feeds/announcements.atom?topic={FILTER_TOPIC}&area={area_slug}&lang=es",
            TARGET_MS,
        ),
        ("events calendar", "/events.ics", None),
    ]


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _get(client: Client, url: str) -> int:
    response = client.get(url)
    if response.status_code != 200 or not response.content:
        raise BenchResponseError(
            f"GET {url} answered {response.status_code} with {len(response.content)} bytes"
        )
    return len(response.content)


@dataclass(frozen=True)
class PageSamples:
    size_bytes: int
    queries: int
    samples_ms: list[float]  # sorted, fastest first


def page_samples(client: Client, url: str, *, repeat: int) -> PageSamples:
    """One untimed warm-up GET that counts the page's SQL queries, then `repeat` timed GETs with no
    query log (call with DEBUG off), so recording SQL costs nothing while timing."""
    # Start from an empty log: a full one (DEBUG on) would hide new entries from the slice.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        size = _get(client, url)
    queries = len(captured.captured_queries)  # read before the log is cleared below
    connection.force_debug_cursor = False
    reset_queries()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        _get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return PageSamples(size_bytes=size, queries=queries, samples_ms=sorted(samples))


def measure(urls: Sequence[tuple[str, str, float | None]], *, repeat: int) -> list[Timing]:
    """Server time of each URL through Django's full request/response cycle, with the test client.

    One untimed warm-up request per URL also counts its SQL queries; the timed requests run with
    DEBUG off and no query log, so recording SQL costs nothing while timing.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    client = Client()
    timings = []
    with override_settings(DEBUG=False):
        for label, url, target in urls:
            measured = page_samples(client, url, repeat=repeat)
            samples = measured.samples_ms
            timings.append(
                Timing(
                    label=label,
                    url=url,
                    median_ms=statistics.median(samples),
                    p90_ms=_percentile(samples, 0.9),
                    max_ms=samples[-1],
                    queries=measured.queries,
                    size_bytes=measured.size_bytes,
                    target_ms=target,
                )
            )
    return timings


def format_table(timings: Sequence[Timing]) -> str:
    """A plain-text table: one row per URL."""
    header = ("page", "median ms", "p90 ms", "max ms", "queries", "KiB", "target", "result", "URL")
    rows = [header]
    for t in timings:
        rows.append(
            (
                t.label,
                f"{t.median_ms:.1f}",
                f"{t.p90_ms:.1f}",
                f"{t.max_ms:.1f}",
                str(t.queries),
                f"{t.size_bytes / 1024:.0f}",
                f"≤ {t.target_ms:.0f} ms" if t.target_ms is not None else "-",
                t.verdict,
                t.url,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(widths[i]) if i == 0 or i >= 6 else cell.rjust(widths[i])
            for i, cell in enumerate(row[:-1])
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)
