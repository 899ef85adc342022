"""What every SMS provider adapter offers the delivery engine."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsSendResult:
    """The provider accepted the message: its id (matches status callbacks) and its first status."""

    provider_message_id: str
    status: str


class SmsProvider(Protocol):
    def send(
        self, *, to: str, body: str, idempotency_key: str, status_callback_url: str | None = None
    ) -> SmsSendResult:
        """Hand one message to the provider.

        `to` is an E.164 number. The same `idempotency_key` must never send twice (retries are safe).
        Raises TransientProviderError (retry later) or PermanentProviderError (give up for this
        recipient); neither carries the recipient's number.
        """
        ...
