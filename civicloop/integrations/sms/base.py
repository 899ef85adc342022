"""What every SMS provider adapter offers the delivery engine."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsSendResult:
    """The provider accepted the message: its id (matches status callbacks) and its first status."""

    provider_message_id: str
    status: str


WHATSAPP_PREFIX = "whatsapp:"  # Twilio's address of a WhatsApp user: "whatsapp:" + their E.164 number


class SmsProvider(Protocol):
    def send(
        self,
        *,
        to: str,
        body: str,
        idempotency_key: str,
        status_callback_url: str | None = None,
        content_sid: str = "",
        content_variables: Mapping[str, str] | None = None,
    ) -> SmsSendResult:
        """Hand one message to the provider.

        `to` is an E.164 number, or "whatsapp:" + one for WhatsApp, where `content_sid` (with its
        `content_variables`) sends an approved template instead of `body`. The same `idempotency_key` must
        never send twice (retries are safe).
        Raises TransientProviderError (retry later) or PermanentProviderError (give up for this
        recipient); neither carries the recipient's number.
        """
        ...
