"""The send loop a worker runs: claim a batch, drop what is no longer wanted, send, record."""

import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db.models import Min

from civicloop.delivery.models import Channel, Delivery
from civicloop.delivery.services import SendOutcome, deliveries_claim, deliveries_record

Sender = Callable[[list[Delivery]], list[SendOutcome]]


def channel_sender(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        from civicloop.delivery.email import email_send_batch

        return email_send_batch
    if channel == Channel.SMS:
        from civicloop.delivery.sms import sms_send_batch

        return sms_send_batch
    raise ValueError(f"unknown channel {channel!r}")


class Pacer:
    """Keeps a worker at or under `rate` messages per second (0 = unlimited)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.started = time.monotonic()
        self.count = 0

    def wait_for(self, messages: int) -> None:
        if self.rate <= 0:
            return
        self.count += messages
        ahead = self.count / self.rate - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(ahead)


def deliveries_send_pending(
    *,
    channel: str,
    batch_size: int | None = None,
    time_budget: float | None = None,
    sender: Sender | None = None,
) -> int:
    """Send due deliveries of a channel until none is left or the time budget is spent; returns count."""
    size = batch_size or int(getattr(settings, "DELIVERY_BATCH_SIZE", 200))
    budget = time_budget if time_budget is not None else float(getattr(settings, "DELIVERY_TIME_BUDGET", 30))
    rate = float(getattr(settings, "DELIVERY_RATE_LIMITS", {}).get(channel, 0))
    send = sender or channel_sender(channel)
    pacer = Pacer(rate)
    deadline = time.monotonic() + budget
    handled = 0
    while time.monotonic() < deadline:
        token, batch = deliveries_claim(channel=channel, limit=size)
        if not batch:
            break
        pacer.wait_for(len(batch))
        deliveries_record(token=token, outcomes=send(batch))
        handled += len(batch)
    return handled


def next_retry_at(channel: str) -> "datetime | None":
    """When the next waiting delivery of this channel becomes due: a queued retry, or an expired lease."""
    waiting = Delivery.objects.filter(channel=channel)
    times = [
        waiting.filter(status=Delivery.Status.QUEUED).aggregate(first=Min("next_attempt_at"))["first"],
        waiting.filter(status=Delivery.Status.SENDING).aggregate(first=Min("lease_expires_at"))["first"],
    ]
    present = [moment for moment in times if moment is not None]
    return min(present) if present else None
