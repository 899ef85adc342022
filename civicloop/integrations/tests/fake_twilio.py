"""A local stand-in for Twilio's Messages API, for adapter tests, end-to-end tests and benchmarks.

    with FakeTwilio() as twilio:
        provider = TwilioSmsProvider(twilio.account_sid, twilio.auth_token, "+13125550100", twilio.url)
        twilio.rate_limit_next(2, retry_after=3)   # the next 2 POSTs get 429
        ...
        assert twilio.message_count == 1

What it checks like Twilio: HTTP Basic auth (401, code 20003), the AccountSid in the path (404, code
20404), To (21604, 21211 when not E.164 or "whatsapp:" + E.164), From or MessagingServiceSid (21603;
63007 for a WhatsApp To from a non-WhatsApp From), Body (21602, 21617 over 1600 characters) unless an
approved template's ContentSid (HX…) with its ContentVariables (JSON) is sent instead. `I-Twilio-Idempotency-Token`: the same token gets the same answer and stores nothing
new. Programmed faults apply to the next N POSTs to Messages.json, before any check, and store nothing.
Only listens on 127.0.0.1; status callbacks are only posted to loopback addresses.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import re
import secrets
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from civicloop.core.sms import sms_segments

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
API_VERSION = "2010-04-01"
E164 = re.compile(r"\+[1-9]\d{6,14}")
CONTENT_SID = re.compile(r"HX[0-9a-f]{32}")
_MESSAGES = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json")
_MESSAGE = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Answer:
    """A programmed reply. `body` may contain "{to}", replaced by the request's To (as Twilio echoes it)."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"


def twilio_error(status: int, code: int, message: str) -> Answer:
    """An error body exactly as Twilio shapes it."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Answer(status, json.dumps(body))


class FakeTwilio:
    """Thread-safe fake Twilio server. Use as a context manager, or start()/stop()."""

    def __init__(self, account_sid: str = DEFAULT_ACCOUNT_SID, auth_token: str = DEFAULT_AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._messages: list[dict[str, Any]] = []
        self._by_sid: dict[str, dict[str, Any]] = {}
        self._by_token: dict[str, tuple[int, str]] = {}
        self._programmed: deque[Answer] = deque()
        self._media: dict[str, tuple[bytes, str]] = {}
        self._connections: set[socket.socket] = set()
        self.requests_received = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 128  # benchmarks open many connections at once
        server.server_bind()
        server.server_activate()
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on a programmed delay
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # ends keep-alive handler threads now, not at interpreter exit
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The api_base to give the adapter, e.g. http://127.0.0.1:54321."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- what was received ------------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Copies of the stored messages, in arrival order (Twilio's JSON plus "status_callback")."""
        with self._lock:
            return [dict(message) for message in self._messages]

    @property
    def message_count(self) -> int:
        with self._lock:
            return len(self._messages)

    def reset(self) -> None:
        """Forget messages, tokens, counters and programmed answers (credentials stay)."""
        with self._lock:
            self._messages.clear()
            self._by_sid.clear()
            self._by_token.clear()
            self._programmed.clear()
            self.requests_received = 0

    # --- MMS media ----------------------------------------------------------------------------------------

    def media_add(self, content: bytes, content_type: str) -> str:
        """Hold an MMS attachment as Twilio does; returns its MediaUrl (fetched with the account's auth)."""
        with self._lock:
            number = len(self._media) + 1
            path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/MM{number:032d}/Media/ME{number:032d}"
            self._media[path] = (content, content_type)
        return self.url + path

    # --- programming faults -----------------------------------------------------------------------------

    def answer_next(self, n: int, answer: Answer) -> None:
        with self._lock:
            self._programmed.extend([answer] * n)

    def rate_limit_next(self, n: int = 1, *, retry_after: int | str = 1) -> None:
        answer = twilio_error(429, 20429, "Too Many Requests")
        answer.headers["Retry-After"] = str(retry_after)
        self.answer_next(n, answer)

    def server_error_next(self, n: int = 1, *, status: int = 500) -> None:
        self.answer_next(n, twilio_error(status, 20500, "Internal Server Error"))

    def garbage_next(self, n: int = 1, *, status: int = 200, body: str = "<html>upstream {to} oops") -> None:
        self.answer_next(n, Answer(status, body, content_type="text/html"))

    def twilio_error_next(
        self,
        n: int = 1,
        *,
        code: int = 21211,
        status: int = 400,
        message: str = "The 'To' number {to} is not a valid phone number.",
    ) -> None:
        self.answer_next(n, twilio_error(status, code, message))

    def slow_next(self, n: int = 1, *, seconds: float = 2.0) -> None:
        """The next N requests wait `seconds` before a normal answer (to test client timeouts)."""
        self.answer_next(n, Answer(0, "", delay=seconds))

    # --- status callbacks -------------------------------------------------------------------------------

    def send_status_callback(self, sid: str, status: str, *, error_code: str = "", url: str = "") -> int:
        """POST a signed status callback for message `sid` (to its StatusCallback unless `url` is given).

        Returns the HTTP status the receiver answered. Only loopback receivers are allowed.
        """
        with self._lock:
            message = self._by_sid[sid]
            message["status"] = status
            target = url or message["status_callback"]
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": API_VERSION,
                "From": message["from"] or "",
                "MessageSid": sid,
                "MessageStatus": status,
                "SmsSid": sid,
                "SmsStatus": status,
                "To": message["to"],
            }
        if error_code:
            params["ErrorCode"] = error_code
        if urllib.parse.urlsplit(target).hostname not in LOOPBACK_HOSTS:
            raise ValueError("FakeTwilio only posts callbacks to loopback addresses")
        signature = RequestValidator(self.auth_token).compute_signature(target, params)
        request = urllib.request.Request(
            target,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    # --- request handling (called from handler threads) -------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return hmac.compare_digest((header or "").encode(), expected.encode())

    def _next_programmed(self) -> Answer | None:
        with self._lock:
            self.requests_received += 1
            return self._programmed.popleft() if self._programmed else None

    def _create(self, account: str, form: dict[str, str], token: str) -> tuple[int, str]:
        to, sender, service = form.get("To", ""), form.get("From", ""), form.get("MessagingServiceSid", "")
        body, content_sid = form.get("Body", ""), form.get("ContentSid", "")
        if account != self.account_sid:
            return _error(
                404, 20404, f"The requested resource /{API_VERSION}/Accounts/{account} was not found"
            )
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not (sender or service):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body and not form.get("MediaUrl") and not content_sid:
            return _error(400, 21602, "Message body is required.")
        whatsapp = to.startswith("whatsapp:")
        if not E164.fullmatch(to.removeprefix("whatsapp:")):
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if whatsapp and sender and not sender.startswith("whatsapp:"):
            return _error(400, 63007, "Twilio could not find a Channel with the specified From address")
        if content_sid and not CONTENT_SID.fullmatch(content_sid):
            return _error(400, 21656, "The ContentVariables Parameter is invalid or the ContentSid unknown.")
        try:
            variables = json.loads(form.get("ContentVariables") or "{}")
        except ValueError:
            return _error(400, 21656, "The ContentVariables Parameter is invalid.")
        if len(body) > 1600:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        with self._lock:  # check-and-store is atomic: two racing retries still make one message
            if token and token in self._by_token:
                return self._by_token[token]
            sid = "SM" + secrets.token_hex(16)
            now = format_datetime(datetime.now(UTC))
            message = {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "body": body,
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": sender or None,
                "messaging_service_sid": service or None,
                "num_media": "0",
                "num_segments": str(sms_segments(body).segments),
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "accepted" if service and not sender else "queued",
                "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media.json"},
                "to": to,
                "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json",
            }
            if content_sid:  # kept for tests (Twilio renders the template itself)
                message["content_sid"], message["content_variables"] = content_sid, variables
            answer = (201, json.dumps(message))
            self._messages.append({**message, "status_callback": form.get("StatusCallback", "")})
            self._by_sid[sid] = self._messages[-1]
            if token:
                self._by_token[token] = answer
            return answer

    def _fetch(self, account: str, sid: str) -> tuple[int, str]:
        with self._lock:
            message = self._by_sid.get(sid) if account == self.account_sid else None
            if message is None:
                return _error(404, 20404, "The requested resource was not found")
            return 200, json.dumps({k: v for k, v in message.items() if k != "status_callback"})


def _error(status: int, code: int, message: str) -> tuple[int, str]:
    answer = twilio_error(status, code, message)
    return answer.status, answer.body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the adapter's session reuses connections
    disable_nagle_algorithm = True  # no 40 ms stalls between header and body writes
    server_version = "FakeTwilio/1.0"
    sys_version = ""

    @property
    def fake(self) -> FakeTwilio:
        return self.server.fake  # type: ignore[attr-defined, no-any-return]

    def setup(self) -> None:
        super().setup()
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.fake._lock:
            self.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: test output stays readable

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = {key: values[-1] for key, values in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        path = urllib.parse.urlsplit(self.path).path
        match = _MESSAGES.fullmatch(path)
        if not match:
            return self._send(*_error(404, 20404, "The requested resource was not found"))
        programmed = self.fake._next_programmed()
        if programmed is not None:
            if programmed.delay and self.fake._stopping.wait(programmed.delay):
                return None
            if programmed.status:
                body = programmed.body.replace("{to}", form.get("To", ""))
                return self._send(programmed.status, body, programmed.headers, programmed.content_type)
        if not self.fake._authorized(self.headers.get("Authorization")):
            return self._send(
                *_error(401, 20003, "Authenticate"), {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            )
        token = self.headers.get("I-Twilio-Idempotency-Token", "")
        return self._send(*self.fake._create(match["account"], form, token))

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        with self.fake._lock:
            media = self.fake._media.get(path)
        if media is not None:
            if not self.fake._authorized(self.headers.get("Authorization")):
                return self._send(*_error(401, 20003, "Authenticate"))
            return self._send_bytes(*media)
        match = _MESSAGE.fullmatch(path)
        if not match:
            return self._send(*_error(404, 20404, "The requested resource was not found"))
        if not self.fake._authorized(self.headers.get("Authorization")):
            return self._send(*_error(401, 20003, "Authenticate"))
        return self._send(*self.fake._fetch(match["account"], match["sid"]))

    def _send_bytes(self, payload: bytes, content_type: str) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def _send(
        self,
        status: int,
        body: str,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        payload = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. its timeout fired)


@pytest.fixture
def fake_twilio_server() -> Iterator[FakeTwilio]:
    """A running FakeTwilio for one test (import this fixture into a test module or conftest)."""
    with FakeTwilio() as server:
        yield server
