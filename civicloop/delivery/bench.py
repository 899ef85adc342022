"""`civicloop bench fanout`: how fast one urgent alert becomes deliveries, emails and texts.

The synthetic city is generated inside the database (a recursive CTE), so loading a million
subscribers costs the benchmark process almost no memory. Mix, by subscriber number n:
a third Spanish; 70 % immediate, 20 % daily, 10 % weekly digests; 30 % "all of Chicago", the rest
one community area; one or two topics; 80 % email, 40 % mobile (20 % both).
"""

import os
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
from civicloop.core.loadtest import database_url, free_port
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
# The default SMTP server is smtp_counter (a relay offering PIPELINING); --smtp-server aiosmtpd is
# the test suite's server, which offers no pipelining and spends a core at ~2,500 messages/s.
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


# One email worker in its own process, as in production: set up first, then sends when told "go".
EMAIL_WORKER = """
import sys, time
import django
django.setup()
from civicloop.delivery.email import email_send_batch  # imported before the clock starts
from civicloop.delivery.sending import deliveries_send_pending
print("ready", flush=True)
sys.stdin.readline()
started = time.monotonic()
sent = deliveries_send_pending(channel="email", time_budget=float(sys.argv[1]))
print(sent, time.monotonic() - started, flush=True)
"""


def _start(code: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def smtp_server_start(kind: str) -> tuple[subprocess.Popen[str], int]:
    """A local SMTP server in its own process: "counter" (pipelining relay) or "aiosmtpd"."""
    port = free_port()
    if kind == "counter":
        code = "import runpy; runpy.run_module('civicloop.delivery.smtp_counter', run_name='__main__')"
    elif kind == "aiosmtpd":
        code = SMTP_SERVER
    else:
        raise ValueError(f"unknown SMTP server {kind!r}")
    process, ready = _start(code, str(port))
    if ready != "ready":
        process.kill()
        raise RuntimeError(f"the {kind} SMTP server did not start")
    return process, port


def email_rate(*, workers: int, seconds: float, port: int, settings: Any) -> float:
    """Emails per second that `workers` worker processes, sending at once, hand to the server on `port`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicloop.settings",
        "DEBUG": "0",  # as in production (DEBUG keeps a log of every query)
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_RATE_PER_SECOND": "0",  # measure the engine, not the limit
        "DELIVERY_BATCH_SIZE": "500",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", EMAIL_WORKER, str(seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=Path(__file__).parents[2],
        )
        for _ in range(workers)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError("an email worker did not start")
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            assert process.stdout is not None
            sent, elapsed = process.stdout.readline().split()
            results.append((int(sent), float(elapsed)))
    finally:
        for process in processes:
            process.kill()
            process.wait()
    slowest = max(elapsed for _sent, elapsed in results)
    return sum(sent for sent, _elapsed in results) / slowest if slowest else 0.0


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
    email_workers: int
    smtp_server: str
    peak_rss_mb: float
    database: str

    def as_json(self) -> dict[str, Any]:
        return {
            "subscribers": self.subscribers,
            "deliveries": self.deliveries,
            "fanout_seconds": round(self.fanout_seconds, 3),
            "fanout_per_second": round(self.deliveries / self.fanout_seconds) if self.fanout_seconds else 0,
            "email_per_second": round(self.email_per_second),
            "email_workers": self.email_workers,
            "smtp_server": self.smtp_server,
            "sms_per_second": round(self.sms_per_second),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "database": self.database,
        }


def run_fanout(
    *,
    subscribers: int,
    naive: bool,
    send_seconds: float,
    settings: Any,
    email_workers: int = 1,
    smtp_server: str = "counter",
) -> FanoutResult:
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

    email_rate_measured = sms_rate = 0.0
    if send_seconds > 0:
        smtp, port = smtp_server_start(smtp_server)
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
            email_rate_measured = email_rate(
                workers=email_workers, seconds=send_seconds, port=port, settings=settings
            )
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
        email_per_second=email_rate_measured,
        sms_per_second=sms_rate,
        email_workers=email_workers,
        smtp_server=smtp_server,
        peak_rss_mb=peak_kb / 1024,
        database=f"{connection.vendor} {version}",
    )
