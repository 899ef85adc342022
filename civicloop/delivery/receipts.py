"""Delivery receipts: what the SMS provider later says happened to a message it accepted."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.delivery.models import Channel, Delivery, Suppression

logger = logging.getLogger(__name__)

Status = Delivery.Status

# Provider statuses that say nothing new: the message is still on its way.
IN_FLIGHT = frozenset({"queued", "accepted", "scheduled", "sending"})
FAILED_STATUSES = frozenset({"undelivered", "failed"})
# Which current statuses each receipt may move a delivery from; anything else would be a step backwards.
ALLOWED_FROM: dict[str, set[str]] = {
    Status.SENT: {Status.QUEUED, Status.SENDING, Status.SENT},
    # The provider's word that it arrived beats our own give-up after timeouts (FAILED).
    Status.DELIVERED: {Status.QUEUED, Status.SENDING, Status.SENT, Status.FAILED},
    Status.FAILED: {Status.QUEUED, Status.SENDING, Status.SENT},
}
OPTED_OUT_CODES = frozenset({"21610"})  # the recipient replied STOP
# 30004 blocked, 30005 unknown or inactive number, 30006 landline or unreachable carrier.
UNREACHABLE_CODES = frozenset({"30004", "30005", "30006"})


def delivery_receipt_record(
    *, provider_message_id: str, provider_status: str, error_code: str = ""
) -> Delivery | None:
    """Apply a Twilio status callback to its delivery; returns it, or None if the id is unknown.

    Callers may rely on: idempotent (a repeated receipt changes nothing more); never moves a
    delivery backwards (a late "sent" after "delivered" is ignored); "undelivered"/"failed" with
    21610 (STOP) or 30004/30005/30006 also suppresses the number for SMS, even if the delivery's
    own status cannot change. Unknown statuses are ignored. All in one transaction.
    """
    status = provider_status.strip().lower()
    code = error_code.strip()
    if not provider_message_id:  # an empty id would match every delivery not yet handed over
        return None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("contact_point")
            .filter(provider_message_id=provider_message_id, channel__in=[Channel.SMS, Channel.WHATSAPP])
            .order_by("pk")
            .first()
        )
        if delivery is None:
            logger.info("sms receipt for an unknown message %s (status %s)", provider_message_id, status)
            return None
        target = _target_status(status)
        if target is not None and delivery.status in ALLOWED_FROM[target] and delivery.status != target:
            delivery.status = target
            fields = ["status", "updated_at"]
            if target == Status.FAILED:
                delivery.error = f"twilio {code or status}"
                fields.append("error")
            elif target == Status.DELIVERED and delivery.error:
                delivery.error = ""
                fields.append("error")
            if delivery.sent_at is None and target in (Status.SENT, Status.DELIVERED):
                delivery.sent_at = timezone.now()
                fields.append("sent_at")
            delivery.save(update_fields=fields)
        if status in FAILED_STATUSES and code in OPTED_OUT_CODES | UNREACHABLE_CODES:
            reason = Suppression.Reason.OPTED_OUT if code in OPTED_OUT_CODES else Suppression.Reason.FAILED
            _suppress(delivery.contact_point.value, reason, channel=delivery.channel)
    return delivery


def _target_status(provider_status: str) -> str | None:
    if provider_status in IN_FLIGHT:
        return None
    if provider_status == "sent":
        return Status.SENT
    if provider_status == "delivered":
        return Status.DELIVERED
    if provider_status in FAILED_STATUSES:
        return Status.FAILED
    return None  # in flight, or a status Twilio adds later: nothing to record


def _suppress(number: str, reason: str, *, channel: str = Channel.SMS) -> None:
    """Put the number on the channel's suppression list; an opt-out overrides a weaker earlier reason."""
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert must not break the outer transaction
            suppression, created = Suppression.objects.get_or_create(
                channel=channel, value=number, defaults={"reason": reason}
            )
    except IntegrityError:
        suppression, created = Suppression.objects.get(channel=channel, value=number), False
    if not created and reason == Suppression.Reason.OPTED_OUT and suppression.reason != reason:
        Suppression.objects.filter(pk=suppression.pk).update(reason=reason)
