"""Background tasks: small, idempotent, safe to retry. They load ids and call services."""

import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import task

from civicloop.announcements.models import Announcement, Status
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Channel, Message
from civicloop.delivery.sending import deliveries_send_pending, next_retry_at
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.social import social_posts_queue

# Urgent alerts jump the queue: their fan-out and senders run before routine work.
URGENT_PRIORITY = 50


def urgent_first(task_to_run: Any, *, urgent: bool) -> Any:
    """The task with URGENT_PRIORITY when urgent and the backend orders by priority (the database one).

    RQ has no priorities: django-tasks refuses a priority there (InvalidTaskError), which made
    publishing an urgent alert, and every worker's start-up while one was unfinished, fail on RQ.
    """
    if urgent and task_to_run.get_backend().supports_priority:
        return task_to_run.using(priority=URGENT_PRIORITY)
    return task_to_run


@task()
def fan_out_announcement(announcement_id: int) -> int:
    """Create the deliveries of a published announcement, then start the senders."""
    announcement = Announcement.objects.filter(pk=announcement_id, status=Status.PUBLISHED).first()
    if announcement is None:
        return 0
    social_posts_queue(announcement=announcement)
    message, _created = announcement_message_ensure(announcement=announcement)
    if message.status == Message.Status.CANCELLED:
        return 0
    inserted = announcement_fan_out(message=message)
    # Several senders per channel, so one large send spreads over every worker (claims are leased).
    for channel in Channel.values:
        for _sender in range(max(1, int(getattr(settings, "DELIVERY_SENDERS_PER_CHANNEL", 2)))):
            urgent_first(send_deliveries, urgent=message.urgent).enqueue(channel)
    return inserted


@task()
def send_deliveries(channel: str) -> int:
    """Send what is due on a channel; if retries wait for later, come back when the first is due."""
    try:
        handled = deliveries_send_pending(channel=channel)
        due = next_retry_at(channel)
    except DatabaseError:
        # The database went away mid-send (a restart, a failover). Without a follow-up sender the rest
        # of the send would wait for the next worker start: come back shortly (the queue may be Redis,
        # which still answers), then fail this run as before. Its leased batch expires and is taken over.
        time.sleep(DATABASE_RETRY_SECONDS)
        _send_when_due(channel, timezone.now())
        raise
    if due is not None:
        _send_when_due(channel, due)
    return handled


# How long a sender that lost the database waits before its follow-up is queued.
DATABASE_RETRY_SECONDS = 1.0


def _send_when_due(channel: str, due: datetime) -> None:
    """A sender for `channel` at `due`: queued now when already due (a backend's scheduler, RQ's, may be
    minutes late to take over after the worker that held it died), else at `due`."""
    if due <= timezone.now():
        send_deliveries.enqueue(channel)
    else:
        send_deliveries.using(run_after=due).enqueue(channel)


def resume_unfinished_sends() -> list[str]:
    """Enqueue what a dead worker or a lost queue left unfinished: fan-outs not done, deliveries waiting."""
    unfinished = Message.objects.filter(kind=Message.Kind.ANNOUNCEMENT, status=Message.Status.FANNING_OUT)
    for announcement_id, urgent in unfinished.values_list("announcement_id", "urgent"):
        urgent_first(fan_out_announcement, urgent=urgent).enqueue(announcement_id)
    channels = []
    for channel in Channel.values:
        due = next_retry_at(channel)
        if due is not None:
            _send_when_due(channel, due)
            channels.append(channel)
    return channels
