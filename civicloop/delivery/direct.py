"""One-off messages a member of staff writes to one resident: a text to a number, a reply on a social network.

Sent at once, while staff wait at the inbox, rather than through the outbox (which fans announcements out
to subscribers). The caller keeps the record and the idempotency key; the providers' own idempotency
(Twilio's idempotency token, Mastodon's Idempotency-Key, Bluesky's record key; Facebook, Instagram and X
read back the reply an earlier attempt made, see their adapters) makes a retry with the same key send
nothing new. The suppression list is checked before every text, as the outbox does.
"""

from collections.abc import Mapping
from datetime import datetime

from django.utils.translation import gettext as _

from civicloop.core.errors import DomainError
from civicloop.delivery.models import Channel, Suppression
from civicloop.integrations.errors import PermanentProviderError
from civicloop.integrations.sms import SmsSendResult
from civicloop.integrations.social import SocialPostResult, SocialReplyTarget, social_inbox_for


class RecipientSuppressed(DomainError):
    """The number has stopped the city's texts (or cannot get them): nothing may be sent to it."""


def sms_number_suppressed(phone: str) -> bool:
    """True when no text may go to this E.164 number (opted out, or suppressed after failures)."""
    return Suppression.objects.filter(channel=Channel.SMS, value=phone).exists()


def whatsapp_number_suppressed(phone: str) -> bool:
    """True when no WhatsApp message may go to this number (it sent STOP there, or keeps failing)."""
    return Suppression.objects.filter(channel=Channel.WHATSAPP, value=phone).exists()


def whatsapp_direct_send(
    *,
    to: str,
    body: str,
    idempotency_key: str,
    content_sid: str = "",
    content_variables: Mapping[str, str] | None = None,
) -> SmsSendResult:
    """Hand one WhatsApp message to Twilio now: free text (the caller checked the 24-hour window), or an
    approved template (`content_sid` with its values)."""
    if whatsapp_number_suppressed(to):
        raise RecipientSuppressed(
            _("This number has stopped WhatsApp messages from the city: nothing can be sent to it there.")
        )
    from civicloop.integrations.sms import WHATSAPP_PREFIX, sms_provider

    return sms_provider().send(
        to=WHATSAPP_PREFIX + to,
        body=body,
        idempotency_key=idempotency_key,
        content_sid=content_sid,
        content_variables=content_variables,
    )


def sms_direct_send(*, to: str, body: str, idempotency_key: str) -> SmsSendResult:
    """Hand one text to the SMS provider now; the same `idempotency_key` never sends twice.

    Raises RecipientSuppressed (nothing sent) for a suppressed number, and the provider's
    TransientProviderError or PermanentProviderError when it refuses.
    """
    if sms_number_suppressed(to):
        raise RecipientSuppressed(
            _("This number has stopped texts from the city, or cannot get them: no text can be sent to it.")
        )
    from civicloop.integrations.sms import sms_provider

    return sms_provider().send(to=to, body=body, idempotency_key=idempotency_key)


def social_reply_text(*, network: str, text: str, target: SocialReplyTarget) -> tuple[str, int, int]:
    """The reply as it would be posted on `network`, its length as the network counts, and the limit.

    Raises PermanentProviderError when the city has no account configured on that network.
    """
    inbox = social_inbox_for(network)
    if inbox is None:
        raise PermanentProviderError(f"{network} is not configured", code="not_configured")
    posted = inbox.reply_text(text, target)
    return posted, inbox.count(posted), inbox.limit


def social_reply_send(
    *,
    network: str,
    text: str,
    target: SocialReplyTarget,
    idempotency_key: str,
    created_at: datetime,
    language: str = "en",
) -> SocialPostResult:
    """Post a reply under `target` from the city's account on `network`, once per (key, created_at).

    Raises PermanentProviderError when that network is not configured, and the adapter's errors.
    """
    inbox = social_inbox_for(network)
    if inbox is None:
        raise PermanentProviderError(f"{network} is not configured", code="not_configured")
    return inbox.reply(
        text=text, target=target, idempotency_key=idempotency_key, created_at=created_at, language=language
    )
