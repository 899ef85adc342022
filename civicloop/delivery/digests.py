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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from civicloop.announcements.models import Announcement, Kind, Status
from civicloop.delivery.digest_schedule import digest_slot
from civicloop.delivery.fanout import DEFAULT_LANGUAGE, _m2m_table, _table
from civicloop.delivery.models import Channel, Delivery, Message, Suppression
from civicloop.subscriptions.models import ContactPoint, Subscriber

# An announcement's own email that reached, or is on its way to, a contact point (e.g. before the
# subscriber switched from "immediately" to a digest) is not listed again in that contact's digest.
ALREADY_SENT = (
    Delivery.Status.QUEUED,
    Delivery.Status.SENDING,
    Delivery.Status.SENT,
    Delivery.Status.DELIVERED,
)


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
