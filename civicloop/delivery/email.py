"""The email channel: render once per (message, language), then send over one reused connection."""

import contextlib
import html
import smtplib
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from civicloop.announcements.models import Announcement
from civicloop.announcements.selectors import localized_text
from civicloop.core.context_processors import city_name
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.services import SendOutcome
from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.subscriptions.selectors import subscription_links

# Stand-ins replaced per recipient; everything else is rendered once per (message, language).
PREFERENCES = "__CIVICLOOP_PREFERENCES_URL__"
UNSUBSCRIBE = "__CIVICLOOP_UNSUBSCRIBE_URL__"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0] or "civicloop.local"


@lru_cache(maxsize=256)
def email_render(message_id: int, language: str, version: str = "") -> RenderedEmail:
    """The email for one message in one language, with link stand-ins (cached: rendered once).

    `version` (the message's creation time) keeps a reused id from hitting a stale rendering.
    """
    message = Message.objects.select_related("announcement").get(pk=message_id)
    with translation.override(language):
        context: dict[str, object] = {
            "city_name": city_name(),
            "site_url": settings.SITE_URL,
            "language": language,
            "preferences_url": PREFERENCES,
            "unsubscribe_url": UNSUBSCRIBE,
        }
        if message.kind == Message.Kind.ANNOUNCEMENT and message.announcement is not None:
            announcement = Announcement.objects.prefetch_related("translations").get(
                pk=message.announcement.pk
            )
            localized = localized_text(announcement, language)
            context["text"] = localized
            context["plain_body"] = html.unescape(strip_tags(localized.body_html)).strip()
            context["announcement"] = announcement
            context["url"] = f"{settings.SITE_URL}{announcement.get_absolute_url()}"
            name = "delivery/email/announcement"
        else:
            context.update(message.context)
            name = f"delivery/notifications/{message.template}"
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        text_body = render_to_string(f"{name}_body.txt", context)
        try:
            html_body: str = render_to_string(f"{name}_body.html", context)
        except TemplateDoesNotExist:  # a notification may be plain text only
            html_body = ""
    return RenderedEmail(subject=subject, text=text_body, html=html_body, language=language)


def email_build(delivery: Delivery) -> EmailMultiAlternatives:
    """The email for one delivery: the shared rendering plus this recipient's links and headers."""
    rendered = email_render(delivery.message_id, delivery.language, delivery.message.created_at.isoformat())
    links = subscription_links(delivery.contact_point.subscriber)

    def personalise(body: str) -> str:
        return body.replace(PREFERENCES, links["preferences_url"]).replace(
            UNSUBSCRIBE, links["unsubscribe_url"]
        )

    host = _host()
    mailto = getattr(settings, "UNSUBSCRIBE_MAILTO", "") or f"unsubscribe@{host}"
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=personalise(rendered.text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.contact_point.value],
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>, <mailto:{mailto}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{city_name()} updates <updates.{host}>",
            # Stable across retries, so a resent copy is recognisably the same message.
            "Message-ID": f"<{delivery.idempotency_key}@{host}>",
            "Content-Language": delivery.language,
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
        },
    )
    if rendered.html:
        email.attach_alternative(personalise(rendered.html), "text/html")
    return email


def _smtp_error(error: Exception) -> TransientProviderError | PermanentProviderError:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(error.recipients.values()), (450, b""))
        raw = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
        return _by_code(int(code), raw)
    if isinstance(error, smtplib.SMTPResponseException):
        raw = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
        return _by_code(int(error.smtp_code), raw)
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError | TimeoutError):
        return TransientProviderError("SMTP connection failed", raw=type(error).__name__)
    return PermanentProviderError("Email could not be built", raw=type(error).__name__)


def _by_code(code: int, raw: str) -> TransientProviderError | PermanentProviderError:
    if 400 <= code < 500:
        return TransientProviderError(f"SMTP {code}", raw=raw, code=str(code))
    return PermanentProviderError(f"SMTP {code}", raw=raw, code=str(code))


def email_send_batch(deliveries: list[Delivery]) -> list[SendOutcome]:
    """Send a batch over one connection; each delivery gets its own outcome, none crashes the batch."""
    outcomes: list[SendOutcome] = []
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        for delivery in deliveries:
            try:
                connection.send_messages([email_build(delivery)])
            except Exception as error:  # classified: 4xx/connection → retry, 5xx/malformed → fail
                problem = _smtp_error(error)
                outcomes.append(SendOutcome(delivery.pk, error=problem))
                if isinstance(problem, TransientProviderError):
                    connection.close()
                    connection.open()
            else:
                outcomes.append(SendOutcome(delivery.pk))
    except (OSError, smtplib.SMTPException) as error:  # the server went away mid-batch
        done = {outcome.delivery_id for outcome in outcomes}
        problem = TransientProviderError("SMTP connection failed", raw=type(error).__name__)
        outcomes += [SendOutcome(d.pk, error=problem) for d in deliveries if d.pk not in done]
    finally:
        with contextlib.suppress(Exception):  # closing a dead connection must not lose the outcomes
            connection.close()
    return outcomes
