from datetime import timedelta

from django.utils import timezone

from civicloop.announcements.models import Announcement, Kind
from civicloop.announcements.services import (
    AnnouncementDetails,
    AnnouncementText,
    announcement_create,
    announcement_publish,
)
from civicloop.places.models import CommunityArea
from civicloop.topics.models import Topic


def make_topic(slug: str = "housing", name_en: str = "Housing", name_es: str = "Vivienda") -> Topic:
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name_en": name_en, "name_es": name_es})
    return topic


def make_area(number: int = 31, name: str = "Lower West Side") -> CommunityArea:
    from django.utils.text import slugify

    area, _ = CommunityArea.objects.get_or_create(
        number=number, defaults={"name": name, "slug": slugify(name), "boundary": {}}
    )
    return area


def make_announcement(
    *,
    title: str = "New rental assistance program",
    body: str = "Apply **now** for help with rent.",
    summary: str = "Help with rent for families.",
    kind: str = Kind.PROGRAM,
    spanish: tuple[str, str] | None = ("Nuevo programa de ayuda para el alquiler", "Solicite **ahora**."),
    topics: list[Topic] | None = None,
    areas: list[CommunityArea] | None = None,
    publish: bool = True,
    event_in_days: int | None = None,
    published_at: object | None = None,
) -> Announcement:
    texts = {"en": AnnouncementText(title=title, body_markdown=body, summary=summary)}
    if spanish:
        texts["es"] = AnnouncementText(title=spanish[0], body_markdown=spanish[1])
    starts = None
    if kind == Kind.EVENT:
        starts = timezone.now() + timedelta(days=event_in_days if event_in_days is not None else 7)
    details = AnnouncementDetails(
        kind=kind,
        topics=topics if topics is not None else [make_topic()],
        areas=areas or [],
        is_citywide=not areas,
        event_starts_at=starts,
        event_ends_at=starts + timedelta(hours=2) if starts else None,
        event_location="Harold Washington Library Center, 400 S State St" if starts else "",
        texts=texts,
    )
    announcement = announcement_create(author=None, details=details)
    if publish:
        announcement = announcement_publish(announcement=announcement, now=published_at)  # type: ignore[arg-type]
    return announcement
