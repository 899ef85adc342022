from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.text import slugify

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Announcement, Kind
from civicloop.announcements.services import (
    AnnouncementDetails,
    AnnouncementText,
    announcement_create,
    announcement_publish,
    announcement_schedule,
)
from civicloop.core.demo_content import (
    DEMO_ANNOUNCEMENTS,
    DEMO_PASSWORD,
    DEMO_STAFF,
    HOW_TO_EN,
    HOW_TO_ES,
    DemoAnnouncement,
)
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

SCHEDULED_DEMO = DemoAnnouncement(
    "program", ["streets-transportation"], [], 0,
    ("Snow plow tracker is live for the season",
     "See where plows are working in real time.",
     "Follow plows on the city's map during every snowfall."),
    ("El rastreador de quitanieves está activo esta temporada",
     "Vea dónde trabajan las quitanieves en tiempo real.",
     "Siga a las quitanieves en el mapa de la ciudad durante cada nevada."),
)  # fmt: skip


class Command(BaseCommand):
    help = "Load the demo city: community areas, topics, staff of each role, announcements (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        areas = community_areas_load()
        topics = topics_ensure()
        for username, email, role, name in DEMO_STAFF:
            staff_user_ensure(
                username=username, email=email, role=Role(role), password=DEMO_PASSWORD, full_name=name
            )
        created = sum(self._ensure(item) for item in DEMO_ANNOUNCEMENTS)
        created += self._ensure(SCHEDULED_DEMO, schedule_in=timedelta(minutes=2))
        total = Announcement.objects.count()
        self.stdout.write(
            f"Demo city ready: {areas} community areas, {topics} topics, "
            f"{total} announcements ({created} new)."
        )
        self.stdout.write(f"Demo staff logins at /staff/ (password for all: {DEMO_PASSWORD}):")
        for username, _email, role, name in DEMO_STAFF:
            self.stdout.write(f"  {username:<11} {role:<15} {name}")

    def _ensure(self, item: DemoAnnouncement, schedule_in: timedelta | None = None) -> int:
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
        announcement_publish(announcement=announcement, now=now - timedelta(days=published_days_ago, hours=1))
        return 1
