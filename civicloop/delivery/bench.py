"""`civicloop bench fanout`: how fast one urgent alert becomes deliveries, emails and texts.

The synthetic city is generated inside the database (a recursive CTE), so loading a million
subscribers costs the benchmark process almost no memory. Mix, by subscriber number n:
a third Spanish; 70 % immediate, 20 % daily, 10 % weekly digests; 30 % "all of Chicago", the rest
one community area; one or two topics; 80 % email, 40 % mobile (20 % both).
"""

import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from civicloop.announcements.models import Kind
from civicloop.announcements.services import (
    AnnouncementDetails,
    AnnouncementText,
    announcement_create,
    announcement_publish,
)
from civicloop.core.loadtest import free_port
from civicloop.delivery.fanout import _table, announcement_fan_out
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.delivery.services import announcement_message_ensure
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.subscriptions.models import ContactPoint, Subscriber
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure


def subscribers_generate(count: int) -> None:
    """Insert `count` active, confirmed subscribers with contact points, topics and areas (set-based)."""
    topics_ensure()
    community_areas_load()
    first_topic = Topic.objects.order_by("id").values_list("id", flat=True)[0]
    topic_count = Topic.objects.count()
    first_area = CommunityArea.objects.order_by("id").values_list("id", flat=True)[0]
    now = timezone.now()
    series = f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {int(count)})"
    subscriber_topics = Subscriber.topics.through
    subscriber_areas = Subscriber.areas.through
    statements = [
        (
            f"INSERT INTO {_table(Subscriber)} (id, created_at, updated_at, language, frequency, all_areas, "
            f"status, confirmed_at, unsubscribed_at, token_version) {series} "
            f"SELECT n, %s, %s, CASE WHEN n %% 3 = 0 THEN 'es' ELSE 'en' END, "
            f"CASE WHEN n %% 10 < 7 THEN 'immediately' WHEN n %% 10 < 9 THEN 'daily' ELSE 'weekly' END, "
            f"n %% 10 < 3, 'active', %s, NULL, 1 FROM seq",
            [now, now, now],
        ),
        (
            f"INSERT INTO {_table(ContactPoint)} (subscriber_id, kind, value, confirmed_at, created_at, "
            f"updated_at) {series} SELECT n, 'email', 'resident' || n || '@example.org', %s, %s, %s "
            f"FROM seq WHERE n %% 10 < 8",
            [now, now, now],
        ),
        (
            f"INSERT INTO {_table(ContactPoint)} (subscriber_id, kind, value, confirmed_at, created_at, "
            f"updated_at) {series} SELECT n, 'sms', '+1' || (3120000000 + n), %s, %s, %s "
            f"FROM seq WHERE n %% 10 >= 6",
            [now, now, now],
        ),
        (
            f"INSERT INTO {_table(subscriber_topics)} (subscriber_id, topic_id) {series} "
            f"SELECT n, {int(first_topic)} + n %% {int(topic_count)} FROM seq",
            [],
        ),
        (
            f"INSERT INTO {_table(subscriber_topics)} (subscriber_id, topic_id) {series} "
            f"SELECT n, {int(first_topic)} + (n + 5) %% {int(topic_count)} FROM seq WHERE n %% 2 = 0",
            [],
        ),
        (
            f"INSERT INTO {_table(subscriber_areas)} (subscriber_id, communityarea_id) {series} "
            f"SELECT n, {int(first_area)} + n %% 77 FROM seq WHERE n %% 10 >= 3",
            [],
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{Subscriber._meta.db_table}', 'id'), %s)", [count]
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def alert_publish() -> Message:
    """One citywide urgent alert in English and Spanish: it reaches every confirmed contact point."""
    details = AnnouncementDetails(
        kind=Kind.ALERT,
        topics=list(Topic.objects.filter(slug="public-safety")),
        texts={
            "en": AnnouncementText(
                title="Extreme cold warning", summary="Warming centers are open.", body_markdown="Stay warm."
            ),
            "es": AnnouncementText(
                title="Aviso de frío extremo",
                summary="Hay centros de calefacción abiertos.",
                body_markdown="Abríguese.",
            ),
        },
    )
    announcement = announcement_publish(announcement=announcement_create(author=None, details=details))
    message, _ = announcement_message_ensure(announcement=announcement)
    return message


def fan_out_naively(message: Message) -> int:
    """The way not to do it, for comparison: one INSERT per contact point, in a Python loop."""
    created = 0
    contacts = ContactPoint.objects.filter(
        subscriber__status=Subscriber.Status.ACTIVE, confirmed_at__isnull=False
    ).values_list("id", "kind", "subscriber__language")
    with transaction.atomic():
        for contact_id, kind, language in contacts.iterator(chunk_size=5000):
            Delivery.objects.create(
                message=message, contact_point_id=contact_id, channel=kind, language=language
            )
            created += 1
    return created


# Local provider servers run in their own processes, so the sender is measured, not the sink.
SMTP_SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Count:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
asyncio.run(asyncio.sleep(10**6))
"""
TWILIO_SERVER = """
import time
from civicloop.integrations.tests.fake_twilio import FakeTwilio
with FakeTwilio() as twilio:
    print(twilio.url, twilio.account_sid, twilio.auth_token, flush=True)
    time.sleep(10**6)
"""


def _start(code: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def send_rate(*, channel: str, seconds: float) -> float:
    """Messages per second one worker hands to the local provider, over `seconds` of sending."""
    started = time.monotonic()
    sent = deliveries_send_pending(channel=channel, time_budget=seconds)
    elapsed = time.monotonic() - started
    return sent / elapsed if elapsed else 0.0


@dataclass
class FanoutResult:
    subscribers: int
    deliveries: int
    fanout_seconds: float
    email_per_second: float
    sms_per_second: float
    peak_rss_mb: float
    database: str

    def as_json(self) -> dict[str, Any]:
        return {
            "subscribers": self.subscribers,
            "deliveries": self.deliveries,
            "fanout_seconds": round(self.fanout_seconds, 3),
            "fanout_per_second": round(self.deliveries / self.fanout_seconds) if self.fanout_seconds else 0,
            "email_per_second": round(self.email_per_second),
            "sms_per_second": round(self.sms_per_second),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "database": self.database,
        }


def run_fanout(*, subscribers: int, naive: bool, send_seconds: float, settings: Any) -> FanoutResult:
    """Load the city, fan one alert out (timed), then send email and SMS for a while (timed)."""
    subscribers_generate(subscribers)
    message = alert_publish()
    started = time.perf_counter()
    if naive:
        fan_out_naively(message)
    else:
        announcement_fan_out(message=message)
    fanout_seconds = time.perf_counter() - started
    deliveries = Delivery.objects.filter(message=message).count()

    email_rate = sms_rate = 0.0
    if send_seconds > 0:
        port = free_port()
        smtp, _ready = _start(SMTP_SERVER, str(port))
        twilio, line = _start(TWILIO_SERVER)
        try:
            url, sid, token = line.split()
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
            settings.SMS_BACKEND, settings.TWILIO_API_BASE = "twilio", url
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = sid, token
            settings.TWILIO_FROM_NUMBER = "+13125550100"
            settings.DELIVERY_RATE_LIMITS = {"email": 0, "sms": 0}  # measure the engine, not the limit
            settings.DELIVERY_BATCH_SIZE = 500
            email_rate = send_rate(channel="email", seconds=send_seconds)
            sms_rate = send_rate(channel="sms", seconds=send_seconds)
        finally:
            smtp.terminate()
            twilio.terminate()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    version = ".".join(str(part) for part in connection.get_database_version())
    return FanoutResult(
        subscribers=subscribers,
        deliveries=deliveries,
        fanout_seconds=fanout_seconds,
        email_per_second=email_rate,
        sms_per_second=sms_rate,
        peak_rss_mb=peak_kb / 1024,
        database=f"{connection.vendor} {version}",
    )
