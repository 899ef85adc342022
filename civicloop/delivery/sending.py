"""The send loop a worker runs: claim a batch, drop what is no longer wanted, send, record."""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Min

from civicloop.delivery.models import Channel, Delivery
from civicloop.delivery.services import SendOutcome, deliveries_claim, deliveries_record


@dataclass(frozen=True)
class TwoStepSender:
    """A channel whose sending splits in two, so a worker overlaps them: it claims and prepares the
    next batch (database, rendering) while this batch's network work runs in another thread."""

    prepare: Callable[[list[Delivery]], Any]  # in the worker's thread: may read the database
    transmit: Callable[[Any], list[SendOutcome]]  # in a sending thread: network only, never the database


Sender = Callable[[list[Delivery]], list[SendOutcome]] | TwoStepSender


def channel_sender(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        from civicloop.delivery.email import email_prepare, email_transmit

        return TwoStepSender(prepare=email_prepare, transmit=email_transmit)
    if channel == Channel.SMS:
        from civicloop.delivery.sms import sms_send_batch

        return sms_send_batch
    if channel == Channel.WHATSAPP:
        from civicloop.delivery.whatsapp import whatsapp_send_batch

        return whatsapp_send_batch
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
    if isinstance(send, TwoStepSender):
        return _send_overlapped(channel=channel, size=size, deadline=deadline, pacer=pacer, sender=send)
    handled = 0
    while time.monotonic() < deadline:
        token, batch = deliveries_claim(channel=channel, limit=size)
        if not batch:
            break
        pacer.wait_for(len(batch))
        deliveries_record(token=token, outcomes=send(batch))
        handled += len(batch)
    return handled


def _send_overlapped(*, channel: str, size: int, deadline: float, pacer: Pacer, sender: TwoStepSender) -> int:
    """The send loop with batch N on the wire while batch N+1 is claimed and prepared."""
    handled = 0
    in_flight: tuple[str, Future[list[SendOutcome]]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="send") as pool:
        try:
            while time.monotonic() < deadline:
                token, batch = deliveries_claim(channel=channel, limit=size)
                if not batch:
                    break
                prepared = sender.prepare(batch)
                pacer.wait_for(len(batch))
                if in_flight is not None:
                    deliveries_record(token=in_flight[0], outcomes=in_flight[1].result())
                in_flight = (token, pool.submit(sender.transmit, prepared))
                handled += len(batch)
        finally:
            if in_flight is not None:  # what is on the wire is always recorded
                deliveries_record(token=in_flight[0], outcomes=in_flight[1].result())
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
