"""The SMS channel: a short, segment-budgeted text with a link to the full announcement."""

from collections.abc import Callable
from functools import lru_cache, partial

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.announcements.models import Announcement
from civicloop.announcements.selectors import localized_text
from civicloop.core.sms import sms_fit, sms_max_segments, sms_not_before
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.services import SendOutcome
from civicloop.delivery.webhook_urls import twilio_status_callback_url
from civicloop.integrations.errors import ProviderError, TransientProviderError
from civicloop.integrations.sms import SmsSendResult


@lru_cache(maxsize=256)
def sms_text(message_id: int, language: str, version: str = "") -> str:
    """The text for one message in one language, fitted to the segment budget (rendered once).

    `version` (the message's creation time) keeps a reused id from hitting a stale rendering.
    """
    message = Message.objects.get(pk=message_id)
    with translation.override(language):
        if message.kind == Message.Kind.ANNOUNCEMENT and message.announcement is not None:
            announcement = Announcement.objects.prefetch_related("translations").get(
                pk=message.announcement.pk
            )
            text = localized_text(announcement, language)
            prefix = _("ALERT") + ": " if message.urgent else ""
            body = f"{prefix}{text.title}. {text.summary}".strip()
            link = f"{settings.SITE_URL}{announcement.get_absolute_url()} {_('Reply STOP to opt out')}"
            return sms_fit(body, link=link, max_segments=sms_max_segments())
        body = render_to_string(f"delivery/notifications/{message.template}_sms.txt", message.context).strip()
        return sms_fit(body, link=str(message.context.get("link", "")), max_segments=sms_max_segments())


def sms_send_batch(deliveries: list[Delivery]) -> list[SendOutcome]:
    """Hand each text to the provider; failures are classified per message, never crash the batch."""
    from civicloop.integrations.sms import sms_provider

    provider = sms_provider()
    callback = twilio_status_callback_url()
    outcomes: list[SendOutcome] = []
    for delivery in deliveries:
        not_before = sms_not_before(timezone.now(), urgent=delivery.message.urgent)
        if not_before is not None:  # a retry that fell into quiet hours waits for morning
            wait = (not_before - timezone.now()).total_seconds()
            outcomes.append(
                SendOutcome(delivery.pk, error=TransientProviderError("quiet hours", retry_after=wait))
            )
            continue
        body = sms_text(delivery.message_id, delivery.language, delivery.message.created_at.isoformat())
        outcomes.append(
            handed_over(
                delivery,
                partial(
                    provider.send,
                    to=delivery.contact_point.value,
                    body=body,
                    idempotency_key=delivery.idempotency_key,
                    status_callback_url=callback,
                ),
            )
        )
    return outcomes


def handed_over(delivery: Delivery, send: Callable[[], SmsSendResult]) -> SendOutcome:
    """Call the provider for one delivery and record its message id at once (or the error)."""
    try:
        result = send()
    except ProviderError as error:
        return SendOutcome(delivery.pk, error=error)
    # Saved at once: the provider's status callback may arrive before the batch is recorded.
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        provider_message_id=result.provider_message_id
    )
    return SendOutcome(delivery.pk, provider_message_id=result.provider_message_id)
