"""SMTP command pipelining (RFC 2920): one round trip per message instead of four.

smtplib waits for the reply to MAIL, then RCPT, then DATA, then the end of the message. A server
that offers PIPELINING (Postfix, Exim, the large relays) takes MAIL, RCPT and DATA in one write,
and "the actual transfer of message content is explicitly allowed to be the first command in a
group" (RFC 2920, 3.1): the next message's commands ride along with this message's body. The
replies still come one by one, in order, so every message gets its own outcome.
"""

import re
import smtplib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# RFC 5321, 4.5.2: a line that starts with "." gets a second one; the body ends with CRLF "." CRLF.
LINE_STARTING_WITH_DOT = re.compile(rb"(?m)^\.")
ACCEPTED_RECIPIENT = (250, 251)


@dataclass(frozen=True)
class Envelope:
    delivery_id: int
    recipient: str  # a plain address (no display name, nothing to quote)
    message: bytes  # the whole message with CRLF line ends


@dataclass(frozen=True)
class Reply:
    delivery_id: int
    code: int  # 250: accepted; otherwise the first refusal among MAIL, RCPT, DATA and the message's end
    text: str


def offers_pipelining(smtp: smtplib.SMTP) -> bool:
    """Whether the server said PIPELINING in its EHLO reply (smtplib sends EHLO when it connects)."""
    if smtp.ehlo_resp is None and smtp.helo_resp is None:
        smtp.ehlo_or_helo_if_needed()
    return bool(smtp.does_esmtp and smtp.has_extn("pipelining"))


def _data(message: bytes) -> bytes:
    starts_a_line_with_dot = message.startswith(b".") or b"\n." in message
    body = LINE_STARTING_WITH_DOT.sub(b"..", message) if starts_a_line_with_dot else message
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def send_pipelined(smtp: smtplib.SMTP, sender: str, envelopes: Sequence[Envelope]) -> Iterator[Reply]:
    """Send each envelope's message; yields one Reply per envelope, in order, as the server answers.

    Raises what smtplib raises when the connection breaks: the envelopes without a Reply yet are
    then in an unknown state for the one in flight, and unsent for the rest.
    """
    mail_from = f"MAIL FROM:{smtplib.quoteaddr(sender)}\r\n".encode()

    def commands(envelope: Envelope) -> bytes:
        return mail_from + f"RCPT TO:<{envelope.recipient}>\r\nDATA\r\n".encode()

    if not envelopes:
        return
    smtp.ehlo_or_helo_if_needed()
    smtp.send(commands(envelopes[0]))
    for index, envelope in enumerate(envelopes):
        following = commands(envelopes[index + 1]) if index + 1 < len(envelopes) else b""
        mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
        if mail[0] == 250 and rcpt[0] in ACCEPTED_RECIPIENT and data[0] == 354:
            smtp.send(_data(envelope.message) + following)
            code, text = smtp.getreply()
        else:
            code, text = next(
                reply
                for reply, ok in ((mail, (250,)), (rcpt, ACCEPTED_RECIPIENT), (data, (354,)))
                if reply[0] not in ok
            )
            if data[0] == 354:  # a server that opened the message anyway: close it empty, then reset
                smtp.send(b".\r\n")
                smtp.getreply()
            smtp.send(b"RSET\r\n" + following)
            smtp.getreply()
        yield Reply(envelope.delivery_id, code, text.decode(errors="replace"))
        if code == 421:  # the server is closing the connection: what follows was not sent
            raise smtplib.SMTPServerDisconnected("421 from the server")
