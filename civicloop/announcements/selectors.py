"""Reads for announcements: what residents, feeds, calendars and staff see."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from civicloop.announcements.models import (
    Announcement,
    AnnouncementRevision,
    AnnouncementTranslation,
    Kind,
    Status,
)
from civicloop.core.errors import NotFound
from civicloop.places.models import CommunityArea

DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES = {code for code, _ in settings.LANGUAGES}
SEARCH_MAX = 100


@dataclass(frozen=True)
class AnnouncementFilters:
    """What a resident narrowed the list to; unknown values match nothing rather than everything."""

    topic: str = ""
    area: str = ""
    kind: str = ""
    language: str = ""
    query: str = ""

    @classmethod
    def from_params(cls, params: "dict[str, str] | object") -> "AnnouncementFilters":
        get = getattr(params, "get", None)
        assert get is not None

        def value(name: str) -> str:
            return (get(name) or "").strip()[:SEARCH_MAX]

        return cls(
            topic=value("topic"),
            area=value("area"),
            kind=value("kind"),
            language=value("lang"),
            query=value("q"),
        )

    @property
    def is_active(self) -> bool:
        return any((self.topic, self.area, self.kind, self.language, self.query))


def _with_display_relations(queryset: QuerySet[Announcement]) -> QuerySet[Announcement]:
    return queryset.prefetch_related(
        Prefetch("translations", queryset=AnnouncementTranslation.objects.defer("body_markdown")),
        "topics",
        Prefetch("areas", queryset=CommunityArea.objects.only("id", "name", "slug")),
    )


def _filtered(queryset: QuerySet[Announcement], filters: AnnouncementFilters) -> QuerySet[Announcement]:
    # `pk IN (subquery)` builds each set once instead of probing per row (see docs/benchmarks.md).
    if filters.topic:
        queryset = queryset.filter(
            pk__in=Announcement.topics.through.objects.filter(topic__slug=filters.topic).values(
                "announcement_id"
            )
        )
    if filters.area:
        # A neighbourhood's residents also need what applies to all of Chicago, if the neighbourhood exists.
        in_area = Announcement.areas.through.objects.filter(communityarea__slug=filters.area)
        queryset = queryset.filter(Exists(CommunityArea.objects.filter(slug=filters.area))).filter(
            Q(is_citywide=True) | Q(pk__in=in_area.values("announcement_id"))
        )
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.language:
        if filters.language not in SUPPORTED_LANGUAGES:
            return queryset.none()
        if filters.language != DEFAULT_LANGUAGE:
            queryset = queryset.filter(
                pk__in=AnnouncementTranslation.objects.filter(language=filters.language).values(
                    "announcement_id"
                )
            )
    if filters.query:
        words = Q(title__icontains=filters.query) | Q(summary__icontains=filters.query)
        texts = AnnouncementTranslation.objects.filter(announcement_id=OuterRef("pk"))
        queryset = queryset.filter(Exists(texts.filter(words | Q(body_markdown__icontains=filters.query))))
    return queryset


def announcement_public_list(*, filters: AnnouncementFilters | None = None) -> QuerySet[Announcement]:
    """Published announcements, newest first, ready to display (a constant number of queries)."""
    queryset = Announcement.objects.filter(status=Status.PUBLISHED).order_by("-published_at", "-id")
    return _with_display_relations(_filtered(queryset, filters or AnnouncementFilters()))


def announcement_urgent_alerts(*, limit: int = 3) -> QuerySet[Announcement]:
    return announcement_public_list(filters=AnnouncementFilters(kind=Kind.ALERT))[:limit]


def announcement_upcoming_events(
    *, filters: AnnouncementFilters | None = None, since: datetime | None = None, limit: int = 500
) -> QuerySet[Announcement]:
    """Published events that have not ended (or, for calendars, ended in the last 30 days)."""
    start = since or timezone.now()
    queryset = Announcement.objects.filter(status=Status.PUBLISHED, kind=Kind.EVENT).filter(
        Q(event_ends_at__gte=start) | Q(event_ends_at__isnull=True, event_starts_at__gte=start)
    )
    queryset = _filtered(queryset, filters or AnnouncementFilters()).order_by("event_starts_at", "id")
    return _with_display_relations(queryset)[:limit]


def calendar_window_start() -> datetime:
    return timezone.now() - timedelta(days=30)


def announcement_public_detail(*, slug: str) -> Announcement:
    """A published or archived announcement; drafts and scheduled ones are not public."""
    announcement = (
        _with_display_relations(
            Announcement.objects.filter(slug=slug, status__in=[Status.PUBLISHED, Status.ARCHIVED])
        )
        .prefetch_related(
            Prefetch("revisions", queryset=AnnouncementRevision.objects.order_by("-replaced_at"))
        )
        .first()
    )
    if announcement is None:
        raise NotFound("No such announcement.")
    return announcement


@dataclass(frozen=True)
class LocalizedText:
    language: str
    title: str
    summary: str
    body_html: str
    is_fallback: bool


def localized_text(announcement: Announcement, language: str) -> LocalizedText:
    """The text in the reader's language, or English with is_fallback set (uses prefetched translations)."""
    texts = {t.language: t for t in announcement.translations.all()}
    chosen = texts.get(language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()), None)
    if chosen is None:
        return LocalizedText(DEFAULT_LANGUAGE, announcement.slug, "", "", language != DEFAULT_LANGUAGE)
    return LocalizedText(
        language=chosen.language,
        title=chosen.title,
        summary=chosen.summary,
        body_html=chosen.body_html,
        is_fallback=chosen.language != language,
    )


def announcements_localize(announcements: Iterable[Announcement], language: str) -> list[Announcement]:
    """Attach `.text` (LocalizedText) to each announcement for templates."""
    localized = list(announcements)
    for announcement in localized:
        announcement.text = localized_text(announcement, language)  # type: ignore[attr-defined]
    return localized


def announcement_staff_list(*, status: str = "") -> QuerySet[Announcement]:
    queryset = Announcement.objects.order_by("-updated_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.prefetch_related(
        Prefetch(
            "translations",
            queryset=AnnouncementTranslation.objects.only("id", "announcement_id", "language", "title"),
        )
    )


def announcement_for_staff(*, announcement_id: int) -> Announcement:
    announcement = (
        Announcement.objects.filter(pk=announcement_id)
        .prefetch_related("translations", "topics", "areas", "revisions")
        .first()
    )
    if announcement is None:
        raise NotFound("No such announcement.")
    return announcement
