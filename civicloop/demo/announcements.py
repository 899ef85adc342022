"""The demo city's announcements: published ones (history and events) and one scheduled to publish soon."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.text import slugify

from civicloop.announcements.models import Announcement, Kind
from civicloop.announcements.services import (
    AnnouncementDetails,
    AnnouncementText,
    announcement_create,
    announcement_publish,
    announcement_schedule,
)
from civicloop.demo.content import HOW_TO_EN, HOW_TO_ES, DemoAnnouncement
from civicloop.places.models import CommunityArea
from civicloop.topics.models import Topic

SCHEDULED_DEMO = DemoAnnouncement(
    "program", ["streets-transportation"], [], 0,
    ("Snow plow tracker is live for the season",
     "See where plows are working in real time.",
     "Follow plows on the city's map during every snowfall."),
    ("El rastreador de quitanieves está activo esta temporada",
     "Vea dónde trabajan las quitanieves en tiempo real.",
     "Siga a las quitanieves en el mapa de la ciudad durante cada nevada."),
)  # fmt: skip


def demo_announcement_ensure(item: DemoAnnouncement, schedule_in: timedelta | None = None) -> int:
    """Publish `item` (or schedule it `schedule_in` from now) unless it exists; 1 if it was created."""
    if Announcement.objects.filter(slug=slugify(item.en[0])[:60]).exists():
        return 0
    now = timezone.now()
    starts = ends = None
    if item.kind == Kind.EVENT:
        day = timezone.localdate() + timedelta(days=item.days)
        starts = timezone.make_aware(datetime.combine(day, time(18, 0)))
        ends = starts + timedelta(hours=2)
    texts = {
        "en": AnnouncementText(title=item.en[0], summary=item.en[1], body_markdown=item.en[2] + HOW_TO_EN)
    }
    if item.es:
        texts["es"] = AnnouncementText(
            title=item.es[0], summary=item.es[1], body_markdown=item.es[2] + HOW_TO_ES
        )
    details = AnnouncementDetails(
        kind=item.kind,
        topics=list(Topic.objects.filter(slug__in=item.topics)),
        areas=list(CommunityArea.objects.filter(number__in=item.areas)),
        is_citywide=not item.areas,
        event_starts_at=starts,
        event_ends_at=ends,
        event_location=item.location,
        texts=texts,
    )
    announcement = announcement_create(author=None, details=details)
    if schedule_in is not None:
        announcement_schedule(announcement=announcement, publish_at=now + schedule_in)
        return 1
    published_days_ago = item.days % 11 + 1 if item.kind == Kind.EVENT else item.days
    # Past announcements are history: they are not mailed to today's demo subscribers.
    announcement_publish(
        announcement=announcement, now=now - timedelta(days=published_days_ago, hours=1), deliver=False
    )
    return 1
