"""`civicloop bench pages`: load a realistic volume of announcements, and the pages the suite times.

The loader works on whatever database is current; the `bench` command runs it in a throwaway test
database so the demo data is never touched, and the tests call it directly. Timing is generic
(core/bench.py: `measure`, `format_table`).
"""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
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
