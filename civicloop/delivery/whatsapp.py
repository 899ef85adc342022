"""The WhatsApp channel (through Twilio): a notification to a resident who wrote to the city on WhatsApp.

WhatsApp's rule: free text only within 24 hours of the person's last message to the city (its contact
point's `last_message_at`); after that, only a template Meta approved (`WhatsAppTemplate`, filled with
the notification's values). With no approved template the delivery fails with a clear reason and the
number is not held against: it is the city's missing template, not the resident's number.
"""

from datetime import datetime, timedelta
from functools import partial

from django.utils import timezone

from civicloop.core.sms import sms_not_before
from civicloop.delivery.models import Delivery, Message, WhatsAppTemplate
from civicloop.delivery.services import SendOutcome
from civicloop.delivery.sms import handed_over, sms_text
from civicloop.delivery.webhook_urls import twilio_status_callback_url
from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.sms import WHATSAPP_PREFIX

WHATSAPP_WINDOW = timedelta(hours=24)
NO_TEMPLATE_CODE = "whatsapp_no_template"  # the city's side: never counted against the number


def whatsapp_window_open(last_message_at: datetime | None, now: datetime) -> bool:
    """Whether free text may go: the person wrote to the city in the last 24 hours."""
    return last_message_at is not None and now - last_message_at < WHATSAPP_WINDOW


def whatsapp_template_for(template: str, language: str) -> WhatsAppTemplate | None:
    """The approved template for a notification, in the language or else in English."""
    found = {
        row.language: row
        for row in WhatsAppTemplate.objects.filter(
            template=template, approved=True, language__in=[language, "en"]
        )
    }
    return found.get(language) or found.get("en")


def _template_values(template: WhatsAppTemplate, message: Message) -> dict[str, str]:
    names = template.variables if isinstance(template.variables, list) else []
    return {str(n): str(message.context.get(name, "")) for n, name in enumerate(names, start=1)}


def whatsapp_send_batch(deliveries: list[Delivery]) -> list[SendOutcome]:
    """Hand each message to Twilio's WhatsApp sender: free text inside the window, a template outside it."""
    from civicloop.integrations.sms import sms_provider

    provider = sms_provider()
    callback = twilio_status_callback_url()
    outcomes: list[SendOutcome] = []
    for delivery in deliveries:
        now = timezone.now()
        message = delivery.message
        not_before = sms_not_before(now, urgent=message.urgent)
        if not_before is not None:  # the resident's night: non-urgent messages wait for morning
            wait = (not_before - now).total_seconds()
            outcomes.append(
                SendOutcome(delivery.pk, error=TransientProviderError("quiet hours", retry_after=wait))
            )
            continue
        point = delivery.contact_point
        content_sid, values, body = "", None, ""
        if whatsapp_window_open(point.last_message_at, now):
            body = sms_text(delivery.message_id, delivery.language, message.created_at.isoformat())
        else:
            template = whatsapp_template_for(message.template, delivery.language)
            if template is None or message.kind != Message.Kind.NOTIFICATION:
                error = PermanentProviderError(
                    "whatsapp: more than 24 hours since the resident's last message and no approved "
                    f"template for {message.template or message.kind!s} ({delivery.language})",
                    raw="",
                    code=NO_TEMPLATE_CODE,
                )
                outcomes.append(SendOutcome(delivery.pk, error=error))
                continue
            content_sid, values = template.content_sid, _template_values(template, message)
        outcomes.append(
            handed_over(
                delivery,
                partial(
                    provider.send,
                    to=WHATSAPP_PREFIX + point.value,
                    body=body,
                    idempotency_key=delivery.idempotency_key,
                    status_callback_url=callback,
                    content_sid=content_sid,
                    content_variables=values,
                ),
            )
        )
    return outcomes
