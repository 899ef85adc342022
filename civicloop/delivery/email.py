"""The email channel: render once per (message, language), then send over one reused connection."""

import contextlib
import html
import re
import smtplib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from civicloop.announcements.models import Announcement
from civicloop.announcements.selectors import localized_text
from civicloop.core.context_processors import city_name
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.notification_links import notification_links
from civicloop.delivery.services import SendOutcome
from civicloop.delivery.smtp_pipeline import Envelope, offers_pipelining, send_pipelined
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


def _email(
    rendered: RenderedEmail, *, to: str, preferences_url: str, unsubscribe_url: str, message_key: str
) -> EmailMultiAlternatives:
    def personalise(body: str) -> str:
        return body.replace(PREFERENCES, preferences_url).replace(UNSUBSCRIBE, unsubscribe_url)

    host = _host()
    mailto = getattr(settings, "UNSUBSCRIBE_MAILTO", "") or f"unsubscribe@{host}"
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=personalise(rendered.text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>, <mailto:{mailto}?subject=unsubscribe>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{city_name()} updates <updates.{host}>",
            # Stable across retries, so a resent copy is recognisably the same message.
            "Message-ID": f"<{message_key}@{host}>",
            "Content-Language": rendered.language,
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
        },
    )
    if rendered.html:
        email.attach_alternative(personalise(rendered.html), "text/html")
    return email


def recipient_links(delivery: Delivery) -> dict[str, str]:
    """This recipient's own links: a request's or idea's follower stops its updates; others unsubscribe."""
    context = delivery.message.context if delivery.message.kind == Message.Kind.NOTIFICATION else {}
    links = notification_links(context, delivery.contact_point_id) if context else None
    return links if links is not None else subscription_links(delivery.contact_point.subscriber)


def email_build(delivery: Delivery) -> EmailMultiAlternatives:
    """The email for one delivery: the shared rendering plus this recipient's links and headers."""
    rendered = email_render(delivery.message_id, delivery.language, str(delivery.message.created_at))
    links = recipient_links(delivery)
    return _email(
        rendered,
        to=delivery.contact_point.value,
        preferences_url=links["preferences_url"],
        unsubscribe_url=links["unsubscribe_url"],
        message_key=delivery.idempotency_key,
    )


# The whole message is also kept as bytes with stand-ins, so a bulk send only substitutes per recipient.
RECIPIENT = "civicloop-recipient@stand-in.invalid"
MESSAGE_KEY = "__CIVICLOOP_MESSAGE_KEY__"
# Plain addresses only take the fast path: nothing in them can break out of a header.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@lru_cache(maxsize=256)
def _raw_template(message_id: int, language: str, version: str) -> bytes | None:
    """The message as SMTP bytes with stand-ins, or None if encoding split a stand-in (then: slow path)."""
    rendered = email_render(message_id, language, version)
    raw = (
        _email(
            rendered,
            to=RECIPIENT,
            preferences_url=PREFERENCES,
            unsubscribe_url=UNSUBSCRIBE,
            message_key=MESSAGE_KEY,
        )
        .message()
        .as_bytes(linesep="\r\n")
    )
    in_bodies = {
        token: rendered.text.count(token) + rendered.html.count(token) for token in (PREFERENCES, UNSUBSCRIBE)
    }
    # Substituting into quoted-printable or base64 text would corrupt it: only 7bit/8bit parts qualify.
    encoded = (
        b"Content-Transfer-Encoding: quoted-printable" in raw or b"Content-Transfer-Encoding: base64" in raw
    )
    intact = (
        not encoded
        and raw.count(RECIPIENT.encode()) == 1
        and raw.count(MESSAGE_KEY.encode()) == 1
        and raw.count(PREFERENCES.encode()) == in_bodies[PREFERENCES]
        and raw.count(UNSUBSCRIBE.encode()) == in_bodies[UNSUBSCRIBE] + 1
    )
    return raw if intact else None


STAND_INS = re.compile(
    b"(" + b"|".join(re.escape(t.encode()) for t in (RECIPIENT, PREFERENCES, UNSUBSCRIBE, MESSAGE_KEY)) + b")"
)


@lru_cache(maxsize=256)
def _raw_parts(message_id: int, language: str, version: str) -> tuple[bytes, ...] | None:
    """The template split around its stand-ins (odd places), so a recipient's copy is one join."""
    template = _raw_template(message_id, language, version)
    return None if template is None else tuple(STAND_INS.split(template))


def email_bytes(delivery: Delivery) -> bytes | None:
    """This recipient's message as SMTP bytes from the shared template, or None when it needs a full build."""
    address = delivery.contact_point.value
    if not PLAIN_ADDRESS.fullmatch(address):
        return None
    parts = _raw_parts(delivery.message_id, delivery.language, str(delivery.message.created_at))
    if parts is None:
        return None
    links = recipient_links(delivery)
    values = {
        RECIPIENT.encode(): address.encode(),
        PREFERENCES.encode(): links["preferences_url"].encode(),
        UNSUBSCRIBE.encode(): links["unsubscribe_url"].encode(),
        MESSAGE_KEY.encode(): delivery.idempotency_key.encode(),
    }
    return b"".join([values[part] if place % 2 else part for place, part in enumerate(parts)])


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


@dataclass
class PreparedEmails:
    """A batch ready to send: bytes from the shared template, whole messages for the rest."""

    envelopes: list[Envelope] = field(default_factory=list)
    messages: list[tuple[int, EmailMultiAlternatives]] = field(default_factory=list)  # (delivery id, email)
    unbuildable: list[SendOutcome] = field(default_factory=list)


def email_prepare(deliveries: list[Delivery]) -> PreparedEmails:
    """Everything that reads the database or renders, so that sending is network work only."""
    from civicloop.delivery.digest_email import digest_emails_build  # local: that module imports this one

    digests = digest_emails_build(deliveries)
    direct = isinstance(get_connection(fail_silently=False), SmtpBackend)  # others get whole messages
    prepared = PreparedEmails()
    for delivery in deliveries:
        try:
            raw = email_bytes(delivery) if direct and delivery.pk not in digests else None
            if raw is not None:
                prepared.envelopes.append(Envelope(delivery.pk, delivery.contact_point.value, raw))
            else:
                prepared.messages.append((delivery.pk, digests.get(delivery.pk) or email_build(delivery)))
        except Exception as error:  # a message that cannot be built fails alone
            prepared.unbuildable.append(SendOutcome(delivery.pk, error=_smtp_error(error)))
    return prepared


def email_transmit(prepared: PreparedEmails) -> list[SendOutcome]:
    """Send a prepared batch; each delivery gets its own outcome and none crashes the batch.

    A worker keeps EMAIL_PARALLEL_CONNECTIONS SMTP connections busy at once: much of a send is
    waiting for the server's replies, so a few connections overlap those waits.
    """
    parallel = max(1, int(getattr(settings, "EMAIL_PARALLEL_CONNECTIONS", 4)))
    if parallel == 1 or len(prepared.envelopes) + len(prepared.messages) < 2 * parallel:
        return prepared.unbuildable + _send_over_one_connection(prepared.envelopes, prepared.messages)
    envelopes = [prepared.envelopes[index::parallel] for index in range(parallel)]
    messages = [prepared.messages[index::parallel] for index in range(parallel)]
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="smtp") as pool:
        return prepared.unbuildable + [
            outcome for chunk in pool.map(_send_over_one_connection, envelopes, messages) for outcome in chunk
        ]


def email_send_batch(deliveries: list[Delivery]) -> list[SendOutcome]:
    """Prepare and send a batch in one go (the worker's loop overlaps the two: sending.TwoStepSender)."""
    return email_transmit(email_prepare(deliveries))


def _send_over_one_connection(
    envelopes: list[Envelope], messages: list[tuple[int, EmailMultiAlternatives]]
) -> list[SendOutcome]:
    outcomes: list[SendOutcome] = []
    connection = get_connection(fail_silently=False)
    envelope_from = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
    try:
        connection.open()
        if envelopes and offers_pipelining(connection.connection):  # type: ignore[attr-defined]
            for reply in send_pipelined(connection.connection, envelope_from, envelopes):  # type: ignore[attr-defined]
                error = None if reply.code == 250 else _by_code(reply.code, reply.text)
                outcomes.append(SendOutcome(reply.delivery_id, error=error))
        elif envelopes:
            outcomes += _one_by_one(
                connection,
                [(e.delivery_id, partial(_sendmail, connection, envelope_from, e)) for e in envelopes],
            )
        outcomes += _one_by_one(
            connection, [(delivery_id, partial(connection.send_messages, [m])) for delivery_id, m in messages]
        )
    except (OSError, smtplib.SMTPException) as error:  # the server went away mid-batch
        done = {outcome.delivery_id for outcome in outcomes}
        problem = TransientProviderError("SMTP connection failed", raw=type(error).__name__)
        waiting = [e.delivery_id for e in envelopes] + [delivery_id for delivery_id, _m in messages]
        outcomes += [
            SendOutcome(delivery_id, error=problem) for delivery_id in waiting if delivery_id not in done
        ]
    finally:
        with contextlib.suppress(Exception):  # closing a dead connection must not lose the outcomes
            connection.close()
    return outcomes


def _sendmail(connection: Any, envelope_from: str, envelope: Envelope) -> None:
    # The connection's current SMTP session: _one_by_one reopens it after a temporary failure.
    connection.connection.sendmail(envelope_from, [envelope.recipient], envelope.message)


def _one_by_one(connection: Any, sends: list[tuple[int, Callable[[], object]]]) -> list[SendOutcome]:
    """Each send on its own; after a temporary failure the connection is opened afresh for the next."""
    outcomes: list[SendOutcome] = []
    for delivery_id, send in sends:
        try:
            send()
        except Exception as error:  # classified: 4xx/connection → retry, 5xx/malformed → fail
            problem = _smtp_error(error)
            outcomes.append(SendOutcome(delivery_id, error=problem))
            if isinstance(problem, TransientProviderError):
                connection.close()
                connection.open()
        else:
            outcomes.append(SendOutcome(delivery_id))
    return outcomes
