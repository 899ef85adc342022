"""A real SMTP server for tests (aiosmtpd) that records what it received and can refuse on demand."""

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class SmtpSink:
    messages: list[EmailMessage] = field(default_factory=list)
    # recipient address -> SMTP reply to give instead of accepting, e.g. "550 5.1.1 No such user"
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Say PIPELINING in the EHLO reply (as Postfix does); aiosmtpd reads pipelined commands in order.
    pipelining: bool = False
    # recipient address -> reply to the end of that message's data instead of accepting it
    refuse_data: dict[str, str] = field(default_factory=dict)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        refused = [self.refuse_data[to] for to in envelope.rcpt_tos if to in self.refuse_data]
        if refused:
            return refused[0]
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_sink(*, pipelining: bool = False) -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink(pipelining=pipelining)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@contextmanager
def site_mail(settings: Any, site_url: str) -> Iterator[SmtpSink]:
    """The site's email goes to a real local SMTP server, its links point at `site_url` (a live server)."""
    with smtp_sink() as (sink, port):
        settings.SITE_URL = site_url
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield sink
