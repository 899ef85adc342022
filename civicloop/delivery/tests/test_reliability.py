"""A real worker process is killed several times mid-send; every recipient still gets the email.

SMTP has no idempotency, so a batch in flight when the worker dies may be sent again: the test
allows at most one batch per kill to repeat, counts the repeats and reports them.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from civicloop.announcements.tests.factories import make_announcement, make_topic
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.tests.smtp_sink import smtp_sink
from civicloop.subscriptions.models import ContactPoint, Subscriber

RECIPIENTS = 2000
BATCH = 50
KILLS_AT = (300, 800, 1300)
PROJECT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _subscribers(count: int) -> None:
    topic = make_topic()
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(status=Subscriber.Status.ACTIVE, confirmed_at=now, all_areas=True) for _ in range(count)
    )
    Subscriber.topics.through.objects.bulk_create(
        Subscriber.topics.through(subscriber_id=s.pk, topic_id=topic.pk) for s in subscribers
    )
    ContactPoint.objects.bulk_create(
        ContactPoint(subscriber=s, kind="email", value=f"resident{n}@example.org", confirmed_at=now)
        for n, s in enumerate(subscribers)
    )


def _worker(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicloop.test_settings",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DELIVERY_BATCH_SIZE": str(BATCH),
        "DELIVERY_LEASE_SECONDS": "2",  # a killed worker's batch is taken over quickly
        "SITE_URL": "https://city.example.org",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "civicloop", "worker", "--batch"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killing_the_worker_mid_send_loses_nothing():
    _subscribers(RECIPIENTS)
    announcement = make_announcement(topics=[make_topic()])
    message, _ = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    assert Delivery.objects.filter(status="queued").count() == RECIPIENTS

    kills = 0
    with smtp_sink() as (sink, port):
        for kill_at in KILLS_AT:
            worker = _worker(port)
            deadline = time.monotonic() + 60
            while len(sink.messages) < kill_at and worker.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                kills += 1
            worker.wait()
        # restart until every delivery is done (leases of killed batches expire after 2 s)
        deadline = time.monotonic() + 120
        while Delivery.objects.exclude(status="sent").exists() and time.monotonic() < deadline:
            _worker(port).wait(timeout=60)
            time.sleep(0.5)
        received = Counter(str(m["Message-ID"]) for m in sink.messages)

    assert kills == len(KILLS_AT), "the worker finished before it could be killed: raise RECIPIENTS"
    assert Delivery.objects.filter(status="sent").count() == RECIPIENTS
    assert len(received) == RECIPIENTS  # every recipient got the email
    repeats = sum(count - 1 for count in received.values())
    print(f"\nreliability: {RECIPIENTS} recipients, {kills} kills, {repeats} repeated copies (batch {BATCH})")
    assert repeats <= kills * BATCH
