"""Daily and weekly digests: one email per subscriber gathering what was published since the last one.

A digest run is a Message(kind=DIGEST) whose context holds its frequency, its schedule slot and its
window (period_start, period_end]; it gets one Delivery per matching email contact point, inserted by
one INSERT … SELECT. Who matches, and which announcements a recipient's digest lists, follow the
immediate fan-out's rules (fanout.py): topics meet (topic-less announcements reach every topic), areas
meet (citywide, or "all of Chicago"), active and confirmed, not suppressed. Alerts are left out: they
already reached every frequency immediately. Content differs per recipient, so it is rendered per
distinct (message, language, list) in the send path, from one load of the window per batch.
"""

import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone, translation

from civicloop.announcements.models import Announcement, AnnouncementTranslation, Kind, Status
from civicloop.announcements.selectors import LocalizedText, localized_text
from civicloop.core.context_processors import city_name
from civicloop.delivery.email import PREFERENCES, UNSUBSCRIBE, RenderedEmail, _email
from civicloop.delivery.fanout import DEFAULT_LANGUAGE, _m2m_table, _table
from civicloop.delivery.models import Channel, Delivery, Message, Suppression
from civicloop.subscriptions.models import ContactPoint, Frequency, Subscriber
from civicloop.subscriptions.selectors import subscription_links

DIGEST_FREQUENCIES: tuple[str, ...] = (Frequency.DAILY, Frequency.WEEKLY)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# An announcement's own email that reached, or is on its way to, a contact point (e.g. before the
# subscriber switched from "immediately" to a digest) is not listed again in that contact's digest.
ALREADY_SENT = (
    Delivery.Status.QUEUED,
    Delivery.Status.SENDING,
    Delivery.Status.SENT,
    Delivery.Status.DELIVERED,
)


# --- Schedule (pure: settings and the clock in, aware datetimes out) ---------------------------------


def _clock_setting(name: str, default: str) -> time:
    raw = str(getattr(settings, name, default)).strip()
    try:
        hours, minutes = (int(part) for part in raw.split(":"))
        return time(hours, minutes)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a 24-hour HH:MM time, not {raw!r}") from error


def _weekly_weekday() -> int:
    raw = str(getattr(settings, "DIGEST_WEEKLY_DAY", "monday")).strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if raw in (name, name[:3]):
            return number
    raise ImproperlyConfigured(f"DIGEST_WEEKLY_DAY must be a day of the week in English, not {raw!r}")


def _schedule(frequency: str) -> tuple[time, int | None]:
    """(local time of day, weekday or None for every day) of a frequency's digest."""
    if frequency == Frequency.DAILY:
        return _clock_setting("DIGEST_DAILY_TIME", "07:00"), None
    if frequency == Frequency.WEEKLY:
        return _clock_setting("DIGEST_WEEKLY_TIME", "07:00"), _weekly_weekday()
    raise ValueError(f"not a digest frequency: {frequency!r}")


def _local_at(day: date, at: time) -> datetime:
    zone = timezone.get_default_timezone()
    # A time skipped by a spring-forward change moves on by the gap (02:30 → 03:30); an ambiguous one
    # in the fall-back hour is its first occurrence (fold=0), so a day never has two digests.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _scheduled_days(now: datetime, frequency: str, step: int) -> list[datetime]:
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    at, weekday = _schedule(frequency)
    today = timezone.localtime(now).date()
    days = (today + timedelta(days=step * offset) for offset in range(9))  # 9 days hold two weekdays
    return [_local_at(day, at) for day in days if weekday is None or day.weekday() == weekday]


def next_digest_time(now: datetime, frequency: str) -> datetime:
    """The first scheduled local time strictly after `now` (aware, in TIME_ZONE) for this frequency.

    Daily: DIGEST_DAILY_TIME every day; weekly: DIGEST_WEEKLY_TIME on DIGEST_WEEKLY_DAY. Wall-clock
    time is kept across DST changes (the UTC gap is 23 or 25 hours then).
    """
    # Compared in UTC: aware datetimes sharing a tzinfo compare by wall clock, blind to DST's repeated hour.
    instant = now.astimezone(UTC)
    return next(moment for moment in _scheduled_days(now, frequency, 1) if moment.astimezone(UTC) > instant)


def digest_slot(now: datetime, frequency: str) -> datetime:
    """The latest scheduled local time at or before `now`: the run a task starting at `now` is for."""
    instant = now.astimezone(UTC)
    return next(moment for moment in _scheduled_days(now, frequency, -1) if moment.astimezone(UTC) <= instant)


# --- Runs (services) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRun:
    """A digest run: its Message, whether this call created it, and how many deliveries it added."""

    message: Message
    created: bool
    inserted: int


def _iso(moment: datetime) -> str:
    # One fixed UTC format, so context values compare correctly as strings in the database.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def digest_window(message: Message) -> tuple[datetime, datetime]:
    """(period_start, period_end] of a digest run, as aware datetimes."""
    return (
        datetime.fromisoformat(message.context["period_start"]),
        datetime.fromisoformat(message.context["period_end"]),
    )


def _runs(frequency: str) -> QuerySet[Message]:
    return Message.objects.filter(kind=Message.Kind.DIGEST, context__frequency=frequency)


def _period_end() -> Cast:
    return Cast(KT("context__period_end"), TextField())  # compared as UTC ISO text, not as JSON


def _lock_runs(frequency: str) -> None:
    """Serialise run creation per frequency for the rest of the transaction."""
    # SQLite transactions here are IMMEDIATE (settings), which already serialises writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"digest:{frequency}".encode())])


def digest_run_create(*, frequency: str, now: datetime | None = None) -> DigestRun:
    """Create the digest run for the schedule slot at or before `now`, with all its deliveries.

    Callers may rely on: at most one run per (frequency, slot), even under concurrent calls, and
    windows that never overlap (when a run for this slot or a later one exists, it is returned with
    created=False and nothing is inserted); the window starts where the
    previous run of the frequency ended (the first run looks back one daily or weekly period); a
    run with no recipients is still recorded, so the next window starts at its end; the run and its
    deliveries commit together. Deliveries are queued to send now; start the email sender on commit.
    """
    moment = now or timezone.now()
    slot = digest_slot(moment, frequency)
    period_end = _iso(slot)
    with transaction.atomic():
        _lock_runs(frequency)
        # A run for this slot, or a later one, already covers it: windows never overlap.
        covering = (
            _runs(frequency).alias(end=_period_end()).filter(end__gte=period_end).order_by("end").first()
        )
        if covering is not None:
            return DigestRun(message=covering, created=False, inserted=0)
        previous_end = (
            _runs(frequency)
            .annotate(end=_period_end())
            .filter(end__lt=period_end)
            .order_by("-end")
            .values_list("end", flat=True)
            .first()
        )
        start = (
            datetime.fromisoformat(previous_end)
            if previous_end
            else digest_slot(slot - timedelta(microseconds=1), frequency)
        )
        message = Message.objects.create(
            kind=Message.Kind.DIGEST,
            template="digest",
            context={
                "frequency": frequency,
                "slot": slot.isoformat(),
                "period_start": _iso(start),
                "period_end": period_end,
            },
        )
        inserted = _digest_deliveries_insert(message=message, frequency=frequency, moment=moment)
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SENDING, fanned_out_at=moment, recipients=inserted
        )
        message.refresh_from_db()
    return DigestRun(message=message, created=True, inserted=inserted)


def _digest_deliveries_insert(*, message: Message, frequency: str, moment: datetime) -> int:
    """One INSERT … SELECT: a queued email Delivery per contact point with something new to read."""
    start, end = digest_window(message)
    languages = [code for code, _name in settings.LANGUAGES]
    language_placeholders = ", ".join(["%s"] * len(languages))
    announcement_topics, subscriber_topics = (
        _m2m_table(Announcement, "topics"),
        _m2m_table(Subscriber, "topics"),
    )
    announcement_areas, subscriber_areas = _m2m_table(Announcement, "areas"), _m2m_table(Subscriber, "areas")
    # Mirrors _matches() below, which picks each recipient's list when the email is built.
    something_new = (
        f"EXISTS (SELECT 1 FROM {_table(Announcement)} a "
        "WHERE a.status = %s AND a.kind <> %s "
        "AND a.published_at > %s AND a.published_at <= %s AND a.published_at > s.confirmed_at "
        f"AND (NOT EXISTS (SELECT 1 FROM {announcement_topics} a_t WHERE a_t.announcement_id = a.id) "
        f"OR EXISTS (SELECT 1 FROM {announcement_topics} a_t JOIN {subscriber_topics} st "
        "ON st.topic_id = a_t.topic_id WHERE a_t.announcement_id = a.id AND st.subscriber_id = s.id)) "
        "AND (a.is_citywide = %s OR s.all_areas = %s "
        f"OR EXISTS (SELECT 1 FROM {announcement_areas} aa JOIN {subscriber_areas} sa "
        "ON sa.communityarea_id = aa.communityarea_id "
        "WHERE aa.announcement_id = a.id AND sa.subscriber_id = s.id)) "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(Delivery)} d JOIN {_table(Message)} m ON m.id = d.message_id "
        "WHERE m.announcement_id = a.id AND m.kind = %s AND d.contact_point_id = cp.id "
        f"AND d.status IN ({', '.join(['%s'] * len(ALREADY_SENT))})))"
    )
    sql = (
        f"INSERT INTO {_table(Delivery)} (message_id, contact_point_id, channel, language, status, "
        "attempts, next_attempt_at, lease_token, provider_message_id, error, updated_at) "
        f"SELECT %s, cp.id, cp.kind, CASE WHEN s.language IN ({language_placeholders}) "
        "THEN s.language ELSE %s END, %s, 0, %s, '', '', '', %s "
        f"FROM {_table(ContactPoint)} cp JOIN {_table(Subscriber)} s ON s.id = cp.subscriber_id "
        "WHERE cp.kind = %s AND cp.confirmed_at IS NOT NULL AND s.status = %s AND s.frequency = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(Suppression)} sup "
        "WHERE sup.channel = cp.kind AND sup.value = cp.value) "
        f"AND {something_new} "
        "ON CONFLICT (message_id, contact_point_id, channel) DO NOTHING"
    )
    # Datetimes as the backend stores them (on SQLite: naive UTC text), so comparisons are exact.
    after, until, queued_at = (connection.ops.adapt_datetimefield_value(t) for t in (start, end, moment))
    params: list[Any] = [
        message.pk,
        *languages,
        DEFAULT_LANGUAGE,
        Delivery.Status.QUEUED,
        queued_at,
        queued_at,
    ]
    params += [Channel.EMAIL, Subscriber.Status.ACTIVE, frequency]
    params += [
        Status.PUBLISHED,
        Kind.ALERT,
        after,
        until,
        True,
        True,
        Message.Kind.ANNOUNCEMENT,
        *ALREADY_SENT,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


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
        topics, areas = defaultdict(set), defaultdict(set)
        for announcement_id, topic_id in Announcement.topics.through.objects.filter(
            announcement_id__in=ids
        ).values_list("announcement_id", "topic_id"):
            topics[announcement_id].add(topic_id)
        for announcement_id, area_id in Announcement.areas.through.objects.filter(
            announcement_id__in=ids
        ).values_list("announcement_id", "communityarea_id"):
            areas[announcement_id].add(area_id)
        self._listed = [_Listed(a, frozenset(topics[a.pk]), frozenset(areas[a.pk])) for a in announcements]
        self._load_recipients(ids)
        return self._listed

    def _load_recipients(self, announcement_ids: list[int]) -> None:
        subscribers = {d.contact_point.subscriber_id: d.contact_point.subscriber for d in self._digests}
        topics, areas = defaultdict(set), defaultdict(set)
        for subscriber_id, topic_id in Subscriber.topics.through.objects.filter(
            subscriber_id__in=subscribers
        ).values_list("subscriber_id", "topic_id"):
            topics[subscriber_id].add(topic_id)
        for subscriber_id, area_id in Subscriber.areas.through.objects.filter(
            subscriber_id__in=subscribers
        ).values_list("subscriber_id", "communityarea_id"):
            areas[subscriber_id].add(area_id)
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
