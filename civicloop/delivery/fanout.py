"""Fan-out: one set-based INSERT … SELECT turns a message into its deliveries.

Never a Python loop over subscribers: the database matches topics, areas, language, frequency and
the suppression list, and the unique (message, contact point, channel) constraint makes a re-run
harmless (ON CONFLICT DO NOTHING; SQLite ≥ 3.24 and PostgreSQL both speak it).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from civicloop.announcements.models import Announcement, AnnouncementTranslation, Kind
from civicloop.core.sms import sms_not_before
from civicloop.delivery.models import Channel, Delivery, Message, Suppression
from civicloop.subscriptions.models import ContactPoint, Frequency, Subscriber

DEFAULT_LANGUAGE = "en"


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _m2m_table(model: type, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).remote_field.through._meta.db_table)  # type: ignore[attr-defined]


def announcement_fan_out(*, message: Message, now: datetime | None = None) -> int:
    """Insert one queued Delivery per matching confirmed contact point; returns how many were added.

    Who matches: active subscribers' confirmed contact points, not suppressed, who want it now
    (frequency "immediately"; urgent alerts reach every frequency), whose topics meet the
    announcement's (alerts and topic-less announcements reach every topic), and whose areas meet
    the announcement's (citywide reaches every area; "all of Chicago" subscribers get every area).
    Language: the subscriber's, when the announcement has that translation, else English.
    """
    assert message.announcement_id is not None
    moment = now or timezone.now()
    announcement = Announcement.objects.get(pk=message.announcement_id)
    languages = list(
        AnnouncementTranslation.objects.filter(announcement=announcement).values_list("language", flat=True)
    )
    has_topics = announcement.topics.exists()
    params: list[Any] = [message.pk]
    language_placeholders = ", ".join(["%s"] * len(languages)) or "NULL"
    # Non-urgent texts and WhatsApp messages queued during quiet hours wait for the morning; email goes now.
    sms_start = sms_not_before(moment, urgent=message.urgent) or moment
    params += [*languages, DEFAULT_LANGUAGE, Channel.SMS, Channel.WHATSAPP, sms_start, moment, moment]
    conditions = [
        "s.status = %s",
        "cp.confirmed_at IS NOT NULL",
        "NOT EXISTS (SELECT 1 FROM " + _table(Suppression) + " sup "
        "WHERE sup.channel = cp.kind AND sup.value = cp.value)",
    ]
    params += [Subscriber.Status.ACTIVE]
    if not message.urgent:
        conditions.append("s.frequency = %s")
        params.append(Frequency.IMMEDIATELY)
    if has_topics and announcement.kind != Kind.ALERT:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {_m2m_table(Subscriber, 'topics')} st "
            f"WHERE st.subscriber_id = s.id AND st.topic_id IN "
            f"(SELECT at.topic_id FROM {_m2m_table(Announcement, 'topics')} at "
            f"WHERE at.announcement_id = %s))"
        )
        params.append(announcement.pk)
    if not announcement.is_citywide:
        conditions.append(
            f"(s.all_areas = %s OR EXISTS (SELECT 1 FROM {_m2m_table(Subscriber, 'areas')} sa "
            f"WHERE sa.subscriber_id = s.id AND sa.communityarea_id IN "
            f"(SELECT aa.communityarea_id FROM {_m2m_table(Announcement, 'areas')} aa "
            f"WHERE aa.announcement_id = %s)))"
        )
        params += [True, announcement.pk]
    # A number subscribed on WhatsApp hears on WhatsApp (its consent there), never by text instead.
    conditions.append("cp.kind IN (%s, %s, %s)")
    params += [Channel.EMAIL, Channel.SMS, Channel.WHATSAPP]
    sql = (
        f"INSERT INTO {_table(Delivery)} (message_id, contact_point_id, channel, language, status, attempts, "
        f"next_attempt_at, lease_token, provider_message_id, error, updated_at) "
        f"SELECT %s, cp.id, cp.kind, "
        f"CASE WHEN s.language IN ({language_placeholders}) THEN s.language ELSE %s END, "
        f"'queued', 0, CASE WHEN cp.kind IN (%s, %s) THEN %s ELSE %s END, '', '', '', %s "
        f"FROM {_table(ContactPoint)} cp JOIN {_table(Subscriber)} s ON s.id = cp.subscriber_id "
        f"WHERE {' AND '.join(conditions)} AND s.id BETWEEN %s AND %s "
        f"ON CONFLICT (message_id, contact_point_id, channel) DO NOTHING"
    )
    chunks = _subscriber_ranges()
    if len(chunks) == 1:
        inserted = _insert(sql, [*params, *chunks[0]])
    else:
        # PostgreSQL writes index entries on several cores at once; each chunk commits on its own and a
        # re-run fills in whatever a failed chunk missed (ON CONFLICT DO NOTHING).
        with ThreadPoolExecutor(max_workers=len(chunks), thread_name_prefix="fanout") as pool:
            inserted = sum(
                pool.map(lambda bounds: _insert(sql, [*params, *bounds], own_connection=True), chunks)
            )
    total = Delivery.objects.filter(message=message).count()
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, fanned_out_at=moment, recipients=total
    )
    return inserted


def _insert(sql: str, params: list[Any], *, own_connection: bool = False) -> int:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)
    finally:
        if own_connection:  # a worker thread's connection is its own: close it
            connection.close()


def _subscriber_ranges() -> list[tuple[int, int]]:
    """Subscriber id ranges to fan out in parallel: several on a large PostgreSQL city, else one."""
    bounds = Subscriber.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"] or 0, bounds["high"] or 0
    parallel = int(getattr(settings, "DELIVERY_FANOUT_PARALLEL", 2))
    big = high - low >= int(getattr(settings, "DELIVERY_FANOUT_PARALLEL_FROM", 100_000))
    if connection.vendor != "postgresql" or parallel < 2 or not big:
        return [(low, high)]
    step = (high - low) // parallel + 1
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]
