"""Driving `civicloop bench sms`: every session's signed texts on keep-alive connections, each resident's
in order, and what came back (latencies, errors, retries answered as the first time)."""

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from twilio.request_validator import RequestValidator

from civicloop.assistant.bench.plan import Session, signed_request
from civicloop.core.bench import _percentile
from civicloop.core.loadtest import response_read_whole


@dataclass(frozen=True)
class SmsMeasurement:
    messages: int  # answers received, retries included
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 200 with TwiML, and failed connections
    error_kinds: dict[str, int]
    retries: int
    retry_mismatches: int  # retries whose reply differed from the first one's

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def _response_read(reader: asyncio.StreamReader) -> tuple[int, str, bytes, bool]:
    """One HTTP/1.1 response: status, content type, body, and whether the connection stays open."""
    response = await response_read_whole(reader)
    content_type = next(iter(response.header_values("content-type")), "")
    return response.status, content_type, response.body, response.keep_alive


def _is_twiml(content_type: str, body: bytes) -> bool:
    return content_type.startswith("text/xml") and b"<Response" in body[:200]


async def _sessions_drive(
    port: int, sessions: Sequence[Session], requests: dict[tuple[str, bool], bytes], connections: int
) -> SmsMeasurement:
    queue = list(reversed(sessions))
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    first_replies: dict[str, bytes] = {}
    retries = mismatches = 0

    async def connection_drive() -> None:
        nonlocal retries, mismatches
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while queue:
            session = queue.pop()
            async with locks[session.phone]:  # one resident's texts one after the other
                for text in session.texts:
                    keep_alive = False
                    try:
                        if writer is None or reader is None:
                            reader, writer = await asyncio.open_connection("127.0.0.1", port)
                        started = time.perf_counter()
                        writer.write(requests[text.sid, text.retry])
                        status, content_type, body, keep_alive = await _response_read(reader)
                        latencies.append(time.perf_counter() - started)
                        if status != 200:
                            errors[f"status {status}"] += 1
                        elif not _is_twiml(content_type, body):
                            errors["not TwiML"] += 1
                        elif text.retry:
                            retries += 1
                            mismatches += first_replies.get(text.sid) != body
                        else:
                            first_replies[text.sid] = body
                    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                        errors["connection"] += 1
                        await asyncio.sleep(0.01)
                    if not keep_alive and writer is not None:
                        writer.close()
                        reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection_drive() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return SmsMeasurement(
        messages=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 0.5) * 1000 if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99) * 1000 if latencies else 0.0,
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        retries=retries,
        retry_mismatches=mismatches,
    )


def sessions_drive(
    base_url: str, sessions: Sequence[Session], *, token: str, connections: int
) -> SmsMeasurement:
    """Send every session's texts, signed with `token`, on `connections` keep-alive connections."""
    host = base_url.removeprefix("http://")
    validator = RequestValidator(token)
    requests = {
        (text.sid, text.retry): signed_request(text, validator=validator, host=host)
        for session in sessions
        for text in session.texts
    }
    port = int(host.rsplit(":", 1)[1])
    # A thread of its own, as core.loadtest.python_drive: the caller may be running an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _sessions_drive(port, sessions, requests, connections)).result()
