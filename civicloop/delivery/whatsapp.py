"""The WhatsApp channel (through Twilio): a notification to a resident who wrote to the city on WhatsApp.

WhatsApp's rule: free text only within 24 hours of the person's last message to the city (its contact
point's `last_message_at`); after that, only a template Meta approved (`WhatsAppTemplate`, filled with
the notification's values). With no approved template the delivery fails with a clear reason and the
number is not held against: it is the city's missing template, not the resident's number.

An announcement (an alert fanned out to a number subscribed on WhatsApp) follows the same rule: free text
as by SMS inside the window, else the approved "announcement" template in the language of the alert
(its title, summary and link fill the template's values); never a text by SMS instead.
"""

import re
from datetime import datetime, timedelta
from functools import lru_cache, partial

from django.conf import settings
from django.utils import timezone, translation

from civicloop.announcements.models import Announcement
from civicloop.announcements.selectors import localized_text
from civicloop.core.sms import sms_not_before
from civicloop.delivery.models import Delivery, Message, WhatsAppTemplate
from civicloop.delivery.services import SendOutcome
from civicloop.delivery.sms import handed_over, sms_text
from civicloop.delivery.webhook_urls import twilio_status_callback_url
from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.sms import WHATSAPP_PREFIX

WHATSAPP_WINDOW = timedelta(hours=24)
NO_TEMPLATE_CODE = "whatsapp_no_template"  # the city's side: never counted against the number
# The template staff record for announcements; its variables may name "title", "summary" and "link".
ANNOUNCEMENT_TEMPLATE = "announcement"
TEMPLATE_VALUE_MAX = 300  # a template value is one short line: WhatsApp refuses newlines and long runs


def whatsapp_window_open(last_message_at: datetime | None, now: datetime) -> bool:
    """Whether free text may go: the person wrote to the city in the last 24 hours."""
    return last_message_at is not None and now - last_message_at < WHATSAPP_WINDOW


def whatsapp_template_for(
    template: str, language: str, *, english_instead: bool = True
) -> WhatsAppTemplate | None:
    """The approved template for a notification, in the language or else (`english_instead`) in English."""
    languages = [language, "en"] if english_instead else [language]
    found = {
        row.language: row
        for row in WhatsAppTemplate.objects.filter(template=template, approved=True, language__in=languages)
    }
    return found.get(language) or found.get("en")


def _one_line(value: str) -> str:
    line = re.sub(r"\s+", " ", value).strip()
    return line if len(line) <= TEMPLATE_VALUE_MAX else line[: TEMPLATE_VALUE_MAX - 1].rstrip() + "…"


@lru_cache(maxsize=256)
def announcement_template_context(announcement_id: int, language: str, version: str = "") -> dict[str, str]:
    """An announcement's values for its WhatsApp template, in one language (rendered once per send).

    `version` (its message's creation time) keeps a reused id from hitting a stale rendering.
    """
    announcement = Announcement.objects.prefetch_related("translations").get(pk=announcement_id)
    with translation.override(language):
        text = localized_text(announcement, language)
        link = f"{settings.SITE_URL}{announcement.get_absolute_url()}"
    return {"title": _one_line(text.title), "summary": _one_line(text.summary), "link": link}


def _template_values(template: WhatsAppTemplate, context: dict[str, object]) -> dict[str, str]:
    names = template.variables if isinstance(template.variables, list) else []
    return {str(n): str(context.get(name, "")) for n, name in enumerate(names, start=1)}


def _template_and_values(
    delivery: Delivery, found: dict[tuple[str, str], WhatsAppTemplate | None]
) -> tuple[WhatsAppTemplate | None, dict[str, str]]:
    """The approved template for a delivery outside the window, with its values (None: there is none).

    `found` keeps the batch's look-ups: a batch of one alert asks the database once per language.
    """
    message = delivery.message
    if message.kind == Message.Kind.ANNOUNCEMENT and message.announcement_id is not None:
        key = (ANNOUNCEMENT_TEMPLATE, delivery.language)
        if key not in found:  # in the alert's own language only: a resident reads it as they asked
            found[key] = whatsapp_template_for(
                ANNOUNCEMENT_TEMPLATE, delivery.language, english_instead=False
            )
        template = found[key]
        if template is None:
            return None, {}
        version = message.created_at.isoformat()
        context = announcement_template_context(message.announcement_id, delivery.language, version)
        return template, _template_values(template, dict(context))
    if message.kind != Message.Kind.NOTIFICATION:
        return None, {}
    key = (message.template, delivery.language)
    if key not in found:
        found[key] = whatsapp_template_for(message.template, delivery.language)
    template = found[key]
    return template, _template_values(template, message.context) if template else {}


def whatsapp_send_batch(deliveries: list[Delivery]) -> list[SendOutcome]:
    """Hand each message to Twilio's WhatsApp sender: free text inside the window, a template outside it."""
    from civicloop.integrations.sms import sms_provider

    provider = sms_provider()
    callback = twilio_status_callback_url()
    outcomes: list[SendOutcome] = []
    templates: dict[tuple[str, str], WhatsAppTemplate | None] = {}
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
            template, values = _template_and_values(delivery, templates)
            if template is None:  # nothing is sent, on WhatsApp or by SMS: the city must add the template
                name = (
                    ANNOUNCEMENT_TEMPLATE if message.kind == Message.Kind.ANNOUNCEMENT else message.template
                )
                error = PermanentProviderError(
                    "whatsapp: more than 24 hours since the resident's last message and no approved "
                    f"template for {name or message.kind!s} ({delivery.language})",
                    raw="",
                    code=NO_TEMPLATE_CODE,
                )
                outcomes.append(SendOutcome(delivery.pk, error=error))
                continue
            content_sid = template.content_sid
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
