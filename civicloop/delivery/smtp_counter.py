"""A small, fast SMTP server that accepts every message and counts it: the benchmark's stand-in MTA.

aiosmtpd (the test suite's SMTP server) spends about a core at 2,500 messages/s, so on a 2-core
machine it, not the sender, would be measured. This one speaks the subset a relay such as
Postfix offers a bulk sender (EHLO with PIPELINING, 8BITMIME and SIZE; MAIL, RCPT, DATA, RSET,
NOOP, QUIT; dot-unstuffing is not needed to count) and answers every pipelined command of a read
in one write. Run: `python -m civicloop.delivery.smtp_counter PORT`; it prints "ready" and, on
SIGTERM, the number of messages it accepted.
"""

import asyncio
import signal
import sys

END_OF_DATA = b"\r\n.\r\n"
EHLO_REPLY = b"250-counter.invalid\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n250 SMTPUTF8\r\n"


class Counter:
    accepted = 0


class SmtpCounter(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.in_data = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(b"220 counter.invalid ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        replies: list[bytes] = []
        while True:
            if self.in_data:
                # The message starts right after DATA's line: look for CRLF "." CRLF, or "." CRLF first.
                if self.buffer.startswith(b".\r\n"):
                    end, skip = 0, 3
                else:
                    end = self.buffer.find(END_OF_DATA)
                    skip = 5
                if end < 0:
                    break
                self.buffer = self.buffer[end + skip :]
                self.in_data = False
                Counter.accepted += 1
                replies.append(b"250 2.0.0 accepted\r\n")
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                break
            line, self.buffer = self.buffer[:line_end], self.buffer[line_end + 2 :]
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                replies.append(EHLO_REPLY if verb == b"EHLO" else b"250 counter.invalid\r\n")
            elif verb == b"DATA":
                self.in_data = True
                replies.append(b"354 end with <CRLF>.<CRLF>\r\n")
            elif verb == b"QUIT":
                replies.append(b"221 bye\r\n")
                self.transport.write(b"".join(replies))
                self.transport.close()
                return
            else:  # MAIL, RCPT, RSET, NOOP
                replies.append(b"250 2.0.0 ok\r\n")
        if replies:
            self.transport.write(b"".join(replies))


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(SmtpCounter, "127.0.0.1", port)
    stopped = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopped.set)
    print("ready", flush=True)
    async with server:
        await stopped.wait()
    print(Counter.accepted, flush=True)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
