"""Providers that fail on demand: an SMTP server (aiosmtpd) and a Twilio-protocol server that answer
errors or hang past the client's timeout when told to."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from civicloop.delivery.faults.environment import free_port

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


@dataclass
class FaultySmtp:
    """aiosmtpd handler: accepts and counts, or (mode) answers 451/421, or hangs `hang_seconds` then 451."""

    mode: str = "ok"
    hang_seconds: float = 3.0
    received: Counter[str] = field(default_factory=Counter)  # Message-ID -> copies accepted
    recipients: Counter[str] = field(default_factory=Counter)
    errors_answered: int = 0
    hangs: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Offer PIPELINING as a production relay does, so the faults hit the pipelined send path.
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mode = self.mode
        if mode == "error":
            with self.lock:
                self.errors_answered += 1
                odd = self.errors_answered % 2
            return (
                "451 4.3.0 Mail server temporarily rejected message" if odd else "421 4.7.0 Try again later"
            )
        if mode == "hang":
            with self.lock:
                self.hangs += 1
            await asyncio.sleep(self.hang_seconds)  # past the client's EMAIL_TIMEOUT
            return "451 4.4.2 Timeout"  # stored nothing
        found = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.received[found.group(1).decode() if found else "?"] += 1
            for address in envelope.rcpt_tos:
                self.recipients[address] += 1
        return "250 Message accepted"


@contextlib.contextmanager
def faulty_smtp() -> Iterator[tuple[FaultySmtp, int]]:
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
    handler = FaultySmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.mode = "ok"
        controller.stop()


def faulty_twilio() -> Any:
    """A FakeTwilio without idempotency (as Twilio's Messages API), failing or hanging as `mode` says."""
    from civicloop.integrations.tests.fake_twilio import Answer, FakeTwilio, twilio_error

    class FaultyTwilio(FakeTwilio):
        def __init__(self) -> None:
            super().__init__()
            self.mode = "ok"
            self.hang_seconds = 11.0  # the adapter gives up after 10 s
            self.errors_answered = 0
            self.hangs = 0
            self.to: Counter[str] = Counter()

        def _next_programmed(self) -> Answer | None:
            with self._lock:
                self.requests_received += 1
                if self.mode == "error":
                    self.errors_answered += 1
                    kind = self.errors_answered % 3
                    if kind == 0:
                        answer = twilio_error(429, 20429, "Too Many Requests")
                        answer.headers["Retry-After"] = "1"
                        return answer
                    return twilio_error(500 if kind == 1 else 503, 20500, "Internal Server Error")
                if self.mode == "hang":
                    self.hangs += 1
                    hang = twilio_error(503, 20500, "Service Unavailable")
                    hang.delay = self.hang_seconds
                    return hang
            return None

        def _create(self, account: str, form: dict[str, str], token: str) -> tuple[int, str]:
            status, body = super()._create(account, form, "")  # the token is not honoured
            if status == 201:
                with self._lock:
                    self.to[form.get("To", "")] += 1
            return status, body

    return FaultyTwilio()
