"""Atom and RSS feeds and iCalendar events: the same published announcements, other formats."""

import html
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from civicloop.announcements import selectors
from civicloop.announcements.models import Announcement
from civicloop.core.context_processors import city_name
from civicloop.core.languages import city_language

FEED_SIZE = 50
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
DESCRIPTION_MAX = 500


def _plain_body(body_html: str) -> str:
    """The sanitised body as plain text: tags dropped and entities decoded (``&amp;`` reads ``&``)."""
    return html.unescape(strip_tags(body_html)).strip()


def _requested_language(request: HttpRequest) -> str:
    requested = (request.GET.get("lang") or "").strip()
    if requested in SUPPORTED_LANGUAGES:
        return requested
    return city_language(translation.get_language())


class AnnouncementsRssFeed(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The feed speaks the language asked for in ?lang=, not the visitor's cookie.
        with translation.override(_requested_language(request)):
            response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=300"
        return response

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> selectors.AnnouncementFilters:
        return selectors.AnnouncementFilters.from_params(request.GET)

    def title(self, obj: selectors.AnnouncementFilters) -> str:
        return _("%(city)s announcements") % {"city": city_name()}

    def description(self, obj: selectors.AnnouncementFilters) -> str:
        return _("New policies, programs, events and alerts from %(city)s.") % {"city": city_name()}

    def link(self, obj: selectors.AnnouncementFilters) -> str:
        return "/announcements/"

    def author_name(self) -> str:
        return city_name()

    def items(self, obj: selectors.AnnouncementFilters) -> list[Announcement]:
        filters = selectors.AnnouncementFilters(
            topic=obj.topic, area=obj.area, language=obj.language, kind=obj.kind, query=obj.query
        )
        language = city_language(translation.get_language())
        return selectors.announcements_localize(
            selectors.announcement_public_list(filters=filters)[:FEED_SIZE], language
        )

    def item_title(self, item: Announcement) -> str:
        return item.text.title  # type: ignore[attr-defined]

    def item_description(self, item: Announcement) -> str:
        # Readers treat an RSS description and an Atom summary (type="html") as HTML, while the
        # summary is plain text: escape it, so markup in it shows as text instead of running.
        text = item.text  # type: ignore[attr-defined]
        return escape(text.summary or _plain_body(text.body_html)[:DESCRIPTION_MAX])

    def item_link(self, item: Announcement) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Announcement) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Announcement) -> datetime | None:
        return item.content_updated_at or item.published_at

    def item_categories(self, item: Announcement) -> list[str]:
        return [topic.name for topic in item.topics.all()]


class AnnouncementsAtomFeed(AnnouncementsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: selectors.AnnouncementFilters) -> str:
        return self.description(obj)


@require_safe
def events_calendar(request: HttpRequest, topic: str = "") -> HttpResponse:
    """RFC 5545 calendar of published events (recent and upcoming), filterable like the feeds."""
    filters = selectors.AnnouncementFilters.from_params(request.GET)
    if topic:
        filters = selectors.AnnouncementFilters(
            topic=topic, area=filters.area, language=filters.language, kind=filters.kind
        )
    language = _requested_language(request)
    events = selectors.announcements_localize(
        selectors.announcement_upcoming_events(filters=filters, since=selectors.calendar_window_start()),
        language,
    )
    calendar = Calendar()
    calendar.add("prodid", "-//civicloop//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with translation.override(language):
        calendar.add("x-wr-calname", _("%(city)s events") % {"city": city_name()})
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.SITE_URL.split("://", 1)[-1]
    for event in events:
        text = event.text  # type: ignore[attr-defined]
        vevent = Event()
        vevent.add("uid", f"announcement-{event.pk}@{host}")
        vevent.add("dtstamp", event.content_updated_at or event.published_at)
        starts = event.event_starts_at
        assert starts is not None  # the announcement_event_has_start constraint guarantees it
        vevent.add("dtstart", starts)
        vevent.add("dtend", event.event_ends_at or starts + timedelta(hours=1))
        vevent.add("summary", text.title)
        vevent.add("description", text.summary or _plain_body(text.body_html))
        if event.event_location:
            vevent.add("location", event.event_location)
        vevent.add("url", f"{settings.SITE_URL}{event.get_absolute_url()}")
        if event.content_updated_at:
            vevent.add("last-modified", event.content_updated_at)
        calendar.add_component(vevent)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    response["Cache-Control"] = "public, max-age=300"
    return response
