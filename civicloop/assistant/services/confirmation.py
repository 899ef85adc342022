"""The "reply YES" text for a number subscribed on the web without an email address."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.delivery.models import Delivery
from civicloop.delivery.services import notification_send
from civicloop.subscriptions.models import ContactPoint, Subscriber
from civicloop.subscriptions.selectors import sms_confirmation_text

CONFIRMATION_TEMPLATE = "subscription_confirm"
# One ask a day per number: the web form must not become a way to text-bomb someone.
RESEND_AFTER = timedelta(hours=24)


def phone_confirmation_send(*, contact_point_id: int) -> Delivery | None:
    """Text the number once, asking it to reply YES; None when nothing should be sent (again)."""
    with transaction.atomic():
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("subscriber")
            .filter(pk=contact_point_id, kind=ContactPoint.Kind.SMS, confirmed_at__isnull=True)
            .first()
        )
        if point is None or point.subscriber.status != Subscriber.Status.PENDING:
            return None
        recent = Delivery.objects.filter(
            contact_point=point,
            message__template=CONFIRMATION_TEMPLATE,
            message__created_at__gte=timezone.now() - RESEND_AFTER,
        )
        if recent.exists():
            return None
        text = sms_confirmation_text(language=point.subscriber.language)
        # Urgent: the resident is waiting for it now, quiet hours or not.
        return notification_send(
            contact_point=point, template=CONFIRMATION_TEMPLATE, context={"text": text}, urgent=True
        )
