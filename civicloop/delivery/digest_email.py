"""Building digest emails: one load of the window per batch, each recipient's list picked in Python."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from civicloop.announcements.models import Announcement, AnnouncementTranslation, Kind, Status
from civicloop.announcements.selectors import LocalizedText, localized_text
from civicloop.core.context_processors import city_name
from civicloop.delivery.digests import ALREADY_SENT, digest_window
from civicloop.delivery.email import PREFERENCES, UNSUBSCRIBE, RenderedEmail, _email
from civicloop.delivery.models import Delivery, Message
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.selectors import subscription_links

# --- Building the emails (the send path) ---------------------------------------------------------------


@dataclass(frozen=True)
class _Listed:
    """An announcement of the batch's windows with what matching needs."""

    announcement: Announcement
    topic_ids: frozenset[int]
    area_ids: frozenset[int]


@dataclass(frozen=True)
class DigestItem:
    """One entry of a digest as its template sees it."""

    announcement: Announcement
    text: LocalizedText
    url: str


@dataclass(frozen=True)
class _Preferences:
    topic_ids: frozenset[int]
    area_ids: frozenset[int]
    all_areas: bool
    confirmed_at: datetime | None


def _matches(listed: _Listed, preferences: _Preferences) -> bool:
    """The Python twin of the SQL match in _digest_deliveries_insert (topics, then areas)."""
    topics_meet = not listed.topic_ids or bool(listed.topic_ids & preferences.topic_ids)
    areas_meet = (
        listed.announcement.is_citywide
        or preferences.all_areas
        or bool(listed.area_ids & preferences.area_ids)
    )
    return topics_meet and areas_meet


def _id_sets(links: QuerySet[Any], owner: str, linked: str) -> dict[int, set[int]]:
    """A many-to-many table's rows grouped by owner: {owner id: {linked ids}} (one query)."""
    grouped: dict[int, set[int]] = defaultdict(set)
    for owner_id, linked_id in links.values_list(owner, linked):
        grouped[owner_id].add(linked_id)
    return grouped


class DigestBatch:
    """The digests of one claimed batch: loads their announcements and the recipients' choices once.

    Built from the batch as deliveries_claim returns it (message and contact_point__subscriber
    selected). Nothing is queried until the first digest is built; then a constant number of queries
    serves the whole batch, whatever its size. Non-digest deliveries are ignored.
    """

    def __init__(self, deliveries: Sequence[Delivery]) -> None:
        self._digests = [d for d in deliveries if d.message.kind == Message.Kind.DIGEST]
        self._listed: list[_Listed] | None = None
        self._preferences: dict[int, _Preferences] = {}
        self._already_sent: dict[int, set[int]] = defaultdict(set)
        self._texts: dict[tuple[int, str], LocalizedText] = {}
        self._rendered: dict[tuple[int, str, tuple[int, ...]], RenderedEmail] = {}

    def _load(self) -> list[_Listed]:
        if self._listed is not None:
            return self._listed
        windows = [digest_window(d.message) for d in self._digests]
        if not windows:
            self._listed = []
            return self._listed
        announcements = list(
            Announcement.objects.filter(
                status=Status.PUBLISHED,
                published_at__gt=min(start for start, _end in windows),
                published_at__lte=max(end for _start, end in windows),
            )
            .exclude(kind=Kind.ALERT)
            .order_by("-published_at", "-id")
            .prefetch_related(
                Prefetch("translations", queryset=AnnouncementTranslation.objects.defer("body_markdown"))
            )
        )
        ids = [a.pk for a in announcements]
        topics = _id_sets(
            Announcement.topics.through.objects.filter(announcement_id__in=ids), "announcement_id", "topic_id"
        )
        areas = _id_sets(
            Announcement.areas.through.objects.filter(announcement_id__in=ids),
            "announcement_id",
            "communityarea_id",
        )
        self._listed = [_Listed(a, frozenset(topics[a.pk]), frozenset(areas[a.pk])) for a in announcements]
        self._load_recipients(ids)
        return self._listed

    def _load_recipients(self, announcement_ids: list[int]) -> None:
        subscribers = {d.contact_point.subscriber_id: d.contact_point.subscriber for d in self._digests}
        topics = _id_sets(
            Subscriber.topics.through.objects.filter(subscriber_id__in=subscribers),
            "subscriber_id",
            "topic_id",
        )
        areas = _id_sets(
            Subscriber.areas.through.objects.filter(subscriber_id__in=subscribers),
            "subscriber_id",
            "communityarea_id",
        )
        self._preferences = {
            pk: _Preferences(frozenset(topics[pk]), frozenset(areas[pk]), s.all_areas, s.confirmed_at)
            for pk, s in subscribers.items()
        }
        if announcement_ids:
            for contact_point_id, announcement_id in Delivery.objects.filter(
                contact_point_id__in={d.contact_point_id for d in self._digests},
                message__kind=Message.Kind.ANNOUNCEMENT,
                message__announcement_id__in=announcement_ids,
                status__in=ALREADY_SENT,
            ).values_list("contact_point_id", "message__announcement_id"):
                self._already_sent[contact_point_id].add(announcement_id)

    def items_for(self, delivery: Delivery) -> list[DigestItem]:
        """What this recipient's digest lists, newest first, in the delivery's language."""
        listed = self._load()
        preferences = self._preferences.get(delivery.contact_point.subscriber_id)
        if preferences is None:
            raise ValueError(f"delivery {delivery.pk} is not a digest delivery of this batch")
        start, end = digest_window(delivery.message)
        if preferences.confirmed_at is not None:
            start = max(start, preferences.confirmed_at)
        seen = self._already_sent[delivery.contact_point_id]
        return [
            self._item(entry.announcement, delivery.language)
            for entry in listed
            if start < entry.announcement.published_at <= end  # type: ignore[operator]
            and entry.announcement.pk not in seen
            and _matches(entry, preferences)
        ]

    def _item(self, announcement: Announcement, language: str) -> DigestItem:
        key = (announcement.pk, language)
        if key not in self._texts:
            self._texts[key] = localized_text(announcement, language)
        url = f"{settings.SITE_URL}{announcement.get_absolute_url()}"
        return DigestItem(announcement=announcement, text=self._texts[key], url=url)

    def rendered(self, delivery: Delivery) -> RenderedEmail:
        """The digest with link stand-ins; recipients with the same list and language share one rendering."""
        items = self.items_for(delivery)
        key = (delivery.message_id, delivery.language, tuple(item.announcement.pk for item in items))
        if key not in self._rendered:
            self._rendered[key] = _digest_render(delivery.message, delivery.language, items)
        return self._rendered[key]


def _digest_render(message: Message, language: str, items: list[DigestItem]) -> RenderedEmail:
    start, end = digest_window(message)
    with translation.override(language):
        context: dict[str, object] = {
            "city_name": city_name(),
            "site_url": settings.SITE_URL,
            "language": language,
            "frequency": message.context["frequency"],
            "items": items,
            "count": len(items),
            "period_start": start,
            "period_end": end,
            "preferences_url": PREFERENCES,
            "unsubscribe_url": UNSUBSCRIBE,
        }
        subject = " ".join(render_to_string("delivery/email/digest_subject.txt", context).split())
        text_body = render_to_string("delivery/email/digest_body.txt", context)
        html_body = render_to_string("delivery/email/digest_body.html", context)
    return RenderedEmail(subject=subject, text=text_body, html=html_body, language=language)


def digest_email_build(delivery: Delivery, context_cache: DigestBatch) -> EmailMultiAlternatives:
    """The digest email for one delivery of `context_cache`'s batch, with email_build's headers.

    Lists the non-alert announcements published in the run's window (after the subscriber confirmed)
    that match their topics and areas and were not already emailed to this address, newest first,
    each in the delivery's language or in English, marked as such. Only the links differ between
    recipients with the same list. Queries only on the batch's first digest (see DigestBatch).
    """
    links = subscription_links(delivery.contact_point.subscriber)
    return _email(
        context_cache.rendered(delivery),
        to=delivery.contact_point.value,
        preferences_url=links["preferences_url"],
        unsubscribe_url=links["unsubscribe_url"],
        message_key=delivery.idempotency_key,
    )


def digest_emails_build(deliveries: Sequence[Delivery]) -> dict[int, EmailMultiAlternatives]:
    """The digest email of every digest delivery in `deliveries`, by delivery id (others are left out).

    Call it in the sending worker's own thread, before handing emails to sending threads: this is
    where the database is read (a constant number of queries, whatever the batch size); the emails
    it returns are complete, so sending them touches no database. An empty dict costs no query.
    """
    batch = DigestBatch(deliveries)
    return {d.pk: digest_email_build(d, batch) for d in deliveries if d.message.kind == Message.Kind.DIGEST}
