"""Double opt-in: the confirmation email (sent after commit), and confirming by its link or by
replying YES to a text."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.core.context_processors import city_name
from civicloop.subscriptions.errors import AlreadyConfirmed
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import (
    language_supported,
    sms_confirmation_text,
    subscriber_needs_confirming,
    subscription_confirm_url,
    subscription_links,
    subscription_list_unsubscribe_headers,
)
from civicloop.subscriptions.services.consent import CHANNEL_OF_NUMBER_KIND, CHANNEL_WEB, _consent_record
from civicloop.subscriptions.services.links import _subscriber_locked
from civicloop.subscriptions.tokens import TokenPurpose

# The logger keeps the name it had before services became a package (log filters and searches use it).
logger = logging.getLogger("civicloop.subscriptions.services")


def _confirmation_email_send(subscriber_id: int, contact_point_id: int) -> None:
    """Send the double opt-in email, in the subscriber's language. Runs after commit."""
    point = (
        ContactPoint.objects.select_related("subscriber")
        .filter(pk=contact_point_id, subscriber_id=subscriber_id, kind=ContactPoint.Kind.EMAIL)
        .first()
    )
    if point is None:
        return
    subscriber = point.subscriber
    with translation.override(subscriber.language):
        context = {
            "city_name": city_name(),
            "confirm_url": subscription_confirm_url(subscriber),
            "topics": [topic.name for topic in subscriber.topics.all()],
            "areas": [area.name for area in subscriber.areas.all()],
            "all_areas": subscriber.all_areas,
            "frequency": subscriber.get_frequency_display(),
            "language": subscriber.language,
            "site_url": settings.SITE_URL,
            "links": subscription_links(subscriber),
        }
        subject = " ".join(render_to_string("subscriptions/email/confirm_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("subscriptions/email/confirm_body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[point.value],
            headers={
                "Content-Language": subscriber.language,
                "Auto-Submitted": "auto-generated",
                **subscription_list_unsubscribe_headers(subscriber),
            },
        )
        message.attach_alternative(
            render_to_string("subscriptions/email/confirm_body.html", context), "text/html"
        )
    try:
        message.send()
    except Exception as error:
        # The person can ask again; never log the address itself.
        logger.warning(
            "Confirmation email for subscriber %s could not be sent: %s", subscriber_id, type(error).__name__
        )


def subscription_confirm(*, token: str, consent_language: str | None = None) -> Subscriber:
    """Double opt-in: make the subscriber active and their email confirmed, with a "confirm" ConsentRecord.

    Raises LinkInvalid / LinkExpired (after 7 days) / LinkUsed (after an unsubscribe), and
    AlreadyConfirmed when there is nothing left to confirm; in every such case nothing changes.
    """
    with transaction.atomic():
        subscriber = _subscriber_locked(token=token, purpose=TokenPurpose.CONFIRM)
        if not subscriber_needs_confirming(subscriber):
            raise AlreadyConfirmed(_("This subscription is already confirmed."))
        now = timezone.now()
        subscriber.contact_points.filter(kind=ContactPoint.Kind.EMAIL, confirmed_at__isnull=True).update(
            confirmed_at=now, updated_at=now
        )
        if subscriber.status != Subscriber.Status.ACTIVE:
            subscriber.status, subscriber.confirmed_at = Subscriber.Status.ACTIVE, now
            subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.CONFIRM,
            channel=CHANNEL_WEB,
            language=language_supported(consent_language or subscriber.language),
        )
    return subscriber


def subscription_confirm_by_text(
    *, phone: str, reply: str, language: str, kind: str = ContactPoint.Kind.SMS
) -> Subscriber | None:
    """The number replied YES: its pending subscription becomes active and the number confirmed.

    Texting from the number proves it is theirs, as opening the link proves an email address. `kind`
    is where they wrote from (sms, or whatsapp: that contact point only). The "confirm" ConsentRecord
    notes that channel, the confirmation wording in their language and what they replied. None
    (nothing changes) when the number has nothing waiting to be confirmed there.
    """
    with transaction.atomic():
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("subscriber")
            .filter(kind=kind, value=phone)
            .first()
        )
        if point is None:
            return None
        subscriber = point.subscriber
        if subscriber.status != Subscriber.Status.PENDING:
            return None
        # A number that only follows a 311 request asked for no updates: a stray YES subscribes it to none.
        if not subscriber.topics.exists():
            return None
        now = timezone.now()
        ContactPoint.objects.filter(pk=point.pk).update(confirmed_at=now, updated_at=now)
        subscriber.status, subscriber.confirmed_at = Subscriber.Status.ACTIVE, now
        subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
        language = language_supported(language)
        wording = sms_confirmation_text(language=language)
        _consent_record(
            subscriber=subscriber,
            action=ConsentRecord.Action.CONFIRM,
            channel=CHANNEL_OF_NUMBER_KIND[kind],
            language=language,
            text=f"{wording}\n[{reply.strip()[:160]}]",
        )
    return subscriber
