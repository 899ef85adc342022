"""Writes for the outbox: create messages, claim deliveries with a lease, record what providers said."""

import random
import uuid
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from civicloop.announcements.models import Announcement, Kind
from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError
from civicloop.integrations.sms.twilio import RECIPIENT_ERROR_CODES
from civicloop.subscriptions.models import ContactPoint, Subscriber

STOP_CODE = "21610"  # Twilio: the recipient replied STOP
# Failures of the city's own set-up (no approved WhatsApp template, no sender): never held against a number.
CITY_SIDE_CODES = frozenset({"whatsapp_no_template", "whatsapp_from"})
SENDER_FIELDS = (
    "id",
    "message_id",
    "contact_point_id",
    "channel",
    "language",
    "attempts",
    "contact_point__value",
    "contact_point__kind",
    "contact_point__last_message_at",  # WhatsApp's 24-hour window, read for every message sent there
    "contact_point__subscriber_id",
    "contact_point__subscriber__token_version",
    "contact_point__subscriber__language",
    "contact_point__subscriber__all_areas",
    "contact_point__subscriber__confirmed_at",
)
MESSAGE_SENDER_FIELDS = ("id", "kind", "urgent", "created_at", "announcement_id", "template", "context")


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def retry_delay_seconds(attempt: int, *, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter; a provider's Retry-After is a floor."""
    base, cap = _setting("DELIVERY_RETRY_BASE_SECONDS", 30), _setting("DELIVERY_RETRY_CAP_SECONDS", 3600)
    delay = random.uniform(0, min(cap, base * 2 ** max(attempt - 1, 0)))
    return max(delay, retry_after or 0.0)


def announcement_message_ensure(*, announcement: Announcement) -> tuple[Message, bool]:
    """The one Message for an announcement's publication; (message, created). Safe under races."""
    try:
        with transaction.atomic():
            return Message.objects.get_or_create(
                kind=Message.Kind.ANNOUNCEMENT,
                announcement=announcement,
                defaults={"urgent": announcement.kind == Kind.ALERT},
            )
    except IntegrityError:
        return Message.objects.get(kind=Message.Kind.ANNOUNCEMENT, announcement=announcement), False


def announcement_delivery_start(*, announcement_id: int) -> None:
    """Ask the workers to fan out and send a published announcement (call after commit)."""
    from civicloop.delivery.tasks import fan_out_announcement, urgent_first

    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None:
        return
    # The message exists before the task does: if the task is lost, a worker's start-up finds it.
    message, _created = announcement_message_ensure(announcement=announcement)
    urgent_first(fan_out_announcement, urgent=message.urgent).enqueue(announcement_id)


def deliveries_claim(
    *, channel: str, limit: int, now: datetime | None = None, lease_seconds: float | None = None
) -> tuple[str, list[Delivery]]:
    """Claim up to `limit` due deliveries for this worker; returns (lease token, deliveries).

    A delivery is due when queued and its next attempt has come, or when another worker's lease on
    it has expired (that worker died mid-send). Two workers never hold the same delivery.
    """
    moment = now or timezone.now()
    lease = lease_seconds or _setting("DELIVERY_LEASE_SECONDS", 120)
    token = uuid.uuid4().hex
    claimable = Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=moment) | Q(
        status=Delivery.Status.SENDING, lease_expires_at__lt=moment
    )
    # Two index range scans (delivery_claim_idx), never a sort of everything due: a send may have millions.
    of_channel = Delivery.objects.filter(channel=channel)
    expired = of_channel.filter(status=Delivery.Status.SENDING, lease_expires_at__lt=moment)
    candidates = list(expired.values_list("id", flat=True)[:limit])
    due = of_channel.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=moment).order_by(
        "next_attempt_at"
    )
    candidates += list(due.values_list("id", flat=True)[: limit - len(candidates)])
    if not candidates:
        return token, []
    with transaction.atomic():
        # The claim condition is checked again in the UPDATE, so a concurrent worker's claim wins cleanly.
        Delivery.objects.filter(pk__in=candidates).filter(claimable).update(
            status=Delivery.Status.SENDING,
            lease_token=token,
            lease_expires_at=moment + timedelta(seconds=lease),
            attempts=F("attempts") + 1,
            updated_at=moment,
        )
    claimed = Delivery.objects.filter(lease_token=token, status=Delivery.Status.SENDING)
    _drop_no_longer_wanted(list(claimed.values_list("id", flat=True)))
    # Only the columns a channel sender reads: loading whole rows was a large share of a send's cost.
    deliveries = list(
        claimed.filter(status=Delivery.Status.SENDING)
        .select_related("contact_point__subscriber")
        .only(*SENDER_FIELDS)
    )
    # A batch shares one or two messages: loaded once each, not once per row by a join.
    messages = Message.objects.only(*MESSAGE_SENDER_FIELDS).in_bulk({d.message_id for d in deliveries})
    attach_message = Delivery._meta.get_field("message").set_cached_value  # type: ignore[union-attr]
    deliveries = [d for d in deliveries if d.message_id in messages]  # a message deleted meanwhile
    for delivery in deliveries:
        attach_message(delivery, messages[delivery.message_id])
    return token, deliveries


def _drop_no_longer_wanted(claimed_ids: list[int]) -> None:
    """Opted out, unsubscribed or cancelled since it was queued: never sent, whatever the queue said."""
    queryset = Delivery.objects.filter(pk__in=claimed_ids)
    suppressed = Suppression.objects.filter(
        channel=OuterRef("channel"), value=OuterRef("contact_point__value")
    )
    # A notification (a request's update) was asked for on its own: it needs no active subscription.
    unsubscribed = ~Q(contact_point__subscriber__status=Subscriber.Status.ACTIVE) & ~Q(
        message__kind=Message.Kind.NOTIFICATION
    )
    queryset.filter(unsubscribed | Exists(suppressed)).update(
        status=Delivery.Status.SUPPRESSED, lease_token="", lease_expires_at=None
    )
    queryset.filter(message__status=Message.Status.CANCELLED).update(
        status=Delivery.Status.CANCELLED, lease_token="", lease_expires_at=None
    )


@dataclass(frozen=True)
class SendOutcome:
    """What a channel sender reports for one delivery."""

    delivery_id: int
    provider_message_id: str = ""
    error: ProviderError | None = None


def deliveries_record(*, token: str, outcomes: Sequence[SendOutcome], now: datetime | None = None) -> None:
    """Record a batch's outcomes. Only rows still leased by this token change (a late worker can't undo)."""
    moment = now or timezone.now()
    mine = Delivery.objects.filter(lease_token=token, status=Delivery.Status.SENDING)
    sent_plain = [o.delivery_id for o in outcomes if o.error is None and not o.provider_message_id]
    with transaction.atomic():
        if sent_plain:
            mine.filter(pk__in=sent_plain).update(
                status=Delivery.Status.SENT, sent_at=moment, lease_token="", lease_expires_at=None, error=""
            )
        for outcome in outcomes:
            if outcome.error is None and outcome.provider_message_id:
                mine.filter(pk=outcome.delivery_id).update(
                    status=Delivery.Status.SENT,
                    provider_message_id=outcome.provider_message_id,
                    sent_at=moment,
                    lease_token="",
                    lease_expires_at=None,
                    error="",
                )
            elif isinstance(outcome.error, TransientProviderError):
                _record_transient(mine, outcome, moment)
            elif outcome.error is not None:
                _record_permanent(mine, outcome)


def _record_transient(mine: "object", outcome: SendOutcome, moment: datetime) -> None:
    assert isinstance(outcome.error, TransientProviderError)
    delivery = Delivery.objects.filter(pk=outcome.delivery_id).values("attempts").first()
    attempts = delivery["attempts"] if delivery else 1
    error = f"{outcome.error}: {outcome.error.raw}".strip(": ")[:1000]
    rows = mine.filter(pk=outcome.delivery_id)  # type: ignore[attr-defined]
    if attempts >= int(_setting("DELIVERY_MAX_ATTEMPTS", 6)):
        rows.update(status=Delivery.Status.FAILED, error=error, lease_token="", lease_expires_at=None)
        return
    delay = retry_delay_seconds(attempts, retry_after=outcome.error.retry_after)
    rows.update(
        status=Delivery.Status.QUEUED,
        next_attempt_at=moment + timedelta(seconds=delay),
        error=error,
        lease_token="",
        lease_expires_at=None,
    )


def _record_permanent(mine: "object", outcome: SendOutcome) -> None:
    assert isinstance(outcome.error, PermanentProviderError | ProviderError)
    bounced = isinstance(outcome.error, PermanentProviderError) and outcome.error.code.startswith("5")
    status = Delivery.Status.BOUNCED if bounced else Delivery.Status.FAILED
    error = f"{outcome.error}: {outcome.error.raw}".strip(": ")[:1000]
    updated = mine.filter(pk=outcome.delivery_id).update(  # type: ignore[attr-defined]
        status=status, error=error, lease_token="", lease_expires_at=None
    )
    if updated and outcome.error.code in RECIPIENT_ERROR_CODES:
        _suppress_now(outcome.delivery_id, stop=outcome.error.code == STOP_CODE)
    elif updated and outcome.error.code not in CITY_SIDE_CODES:
        _suppress_if_past_threshold(outcome.delivery_id, bounced=bounced)


def _suppress_now(delivery_id: int, *, stop: bool) -> None:
    """The provider says this number can never get our texts (it replied STOP, or is no mobile)."""
    delivery = Delivery.objects.select_related("contact_point").get(pk=delivery_id)
    Suppression.objects.get_or_create(
        channel=delivery.channel,
        value=delivery.contact_point.value,
        defaults={"reason": Suppression.Reason.OPTED_OUT if stop else Suppression.Reason.FAILED},
    )


def _suppress_if_past_threshold(delivery_id: int, *, bounced: bool) -> None:
    """A contact point that keeps failing permanently is put on the suppression list."""
    delivery = Delivery.objects.select_related("contact_point").get(pk=delivery_id)
    failures = Delivery.objects.filter(
        contact_point_id=delivery.contact_point_id,
        channel=delivery.channel,
        status__in=[Delivery.Status.FAILED, Delivery.Status.BOUNCED],
    ).count()
    if failures >= int(_setting("DELIVERY_SUPPRESS_AFTER_FAILURES", 2)):
        Suppression.objects.get_or_create(
            channel=delivery.channel,
            value=delivery.contact_point.value,
            defaults={"reason": Suppression.Reason.BOUNCED if bounced else Suppression.Reason.FAILED},
        )


@transaction.atomic
def message_cancel(*, message: Message) -> int:
    """Stop the rest of a send: queued deliveries are cancelled; the batch in flight finishes."""
    Message.objects.filter(pk=message.pk).update(status=Message.Status.CANCELLED)
    return Delivery.objects.filter(message_id=message.pk, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.CANCELLED, lease_token=""
    )


def notification_send(
    *, contact_point: ContactPoint, template: str, context: dict[str, object], urgent: bool = False
) -> Delivery:
    """Send one templated message (an idea answered, a request closed) through the same engine.

    `template` names templates under delivery/notifications/ (`<template>_subject.txt`,
    `<template>_body.txt`, optional `<template>_body.html`; `<template>_sms.txt` for SMS), rendered
    in the subscriber's language with `context` (keep personal data out of it). Sent after commit.
    """
    from civicloop.delivery.tasks import send_deliveries

    with transaction.atomic():
        message = Message.objects.create(
            kind=Message.Kind.NOTIFICATION,
            status=Message.Status.SENDING,
            template=template,
            context=context,
            urgent=urgent,
            recipients=1,
            fanned_out_at=timezone.now(),
        )
        delivery = Delivery.objects.create(
            message=message,
            contact_point=contact_point,
            channel=contact_point.kind,
            language=contact_point.subscriber.language,
        )
        channel = contact_point.kind
        transaction.on_commit(lambda: send_deliveries.enqueue(channel))
    return delivery


# A recipient of a notification: (what it is about, contact point id, channel, language).
NotificationRecipient = tuple[Hashable, int, str, str]


def notifications_queue(
    *,
    template: str,
    contexts: Sequence[tuple[Hashable, dict[str, object]]],
    recipients: Sequence[NotificationRecipient],
) -> int:
    """One notification Message per (subject, context) and a Delivery per recipient of that subject.

    Set-based (two INSERTs) in the caller's transaction, sent after commit; a subject nobody follows
    gets no message. Returns the deliveries queued.
    """
    from civicloop.delivery.tasks import send_deliveries  # local: tasks import the whole engine

    people_of = Counter(subject for subject, *_rest in recipients)
    wanted = [(subject, context) for subject, context in contexts if subject in people_of]
    if not wanted:
        return 0
    moment = timezone.now()
    messages = Message.objects.bulk_create(
        [
            Message(
                kind=Message.Kind.NOTIFICATION,
                status=Message.Status.SENDING,
                template=template,
                context=context,
                fanned_out_at=moment,
                recipients=people_of[subject],
            )
            for subject, context in wanted
        ]
    )
    messages_of: dict[Hashable, list[Message]] = {}
    for (subject, _context), message in zip(wanted, messages, strict=True):
        messages_of.setdefault(subject, []).append(message)
    deliveries = [
        Delivery(message=message, contact_point_id=point_id, channel=channel, language=language)
        for subject, point_id, channel, language in recipients
        for message in messages_of.get(subject, [])
    ]
    Delivery.objects.bulk_create(deliveries)
    for channel in sorted({delivery.channel for delivery in deliveries}):
        transaction.on_commit(partial(send_deliveries.enqueue, channel))
    return len(deliveries)
