"""A local Mastodon server speaking enough of the statuses API to exercise the adapter for real.

`FakeApiServer` (also used by the fake Bluesky PDS) runs a stdlib ThreadingHTTPServer on 127.0.0.1 with
a free port in a background thread, records every request, and can be told to fail the next requests:
rate limited, server error, garbage, or too slow to answer, before or after doing the work (a response
lost after the post was made is exactly the case idempotency keys exist for).

    with FakeMastodon() as mastodon:
        poster = MastodonPoster(mastodon.url, mastodon.access_token)
"""

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Literal, Self
from urllib.parse import parse_qsl, urlsplit

import regex

FailureKind = Literal["rate_limit", "server_error", "garbage", "timeout"]
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace")))


@dataclass
class FakeReply:
    status: int
    body: Any = None  # dict/list → JSON; bytes → as is
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    kind: FailureKind
    path: str | None
    after_processing: bool


class FakeApiServer:
    """A JSON HTTP API on 127.0.0.1:<free port>; subclasses answer requests in `respond`."""

    # Longer than the short client timeouts tests use, short enough to keep tests quick.
    timeout_delay: ClassVar[float] = 1.5

    def __init__(self) -> None:
        self.requests: list[FakeRequest] = []
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self)

            def do_POST(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval makes shutdown (once per test) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_next(
        self, kind: FailureKind, times: int = 1, *, path: str | None = None, after_processing: bool = False
    ) -> None:
        """Answer the next `times` requests (to `path`, if given) with a failure of `kind`.

        With `after_processing`, the request is carried out first and only its answer is replaced.
        """
        with self._lock:
            self._failures.extend(_Failure(kind, path, after_processing) for _ in range(times))

    def requests_to(self, path: str) -> list[FakeRequest]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def respond(self, request: FakeRequest) -> FakeReply:
        raise NotImplementedError

    def failure_reply(self, kind: FailureKind) -> FakeReply:
        if kind == "rate_limit":
            return FakeReply(429, {"error": "Too many requests"})
        if kind == "garbage":
            return FakeReply(200, GARBAGE, {"Content-Type": "text/html"})
        return FakeReply(500, {"error": "Internal server error"})

    def _take_failure(self, path: str) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            if failure.path is None or failure.path == path:
                return self._failures.pop(index)
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        request = FakeRequest(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(request)
            failure = self._take_failure(request.path)
            reply = self.respond(request) if failure is None or failure.after_processing else None
            if failure is not None:
                reply = self.failure_reply(failure.kind)
        if failure is not None and failure.kind == "timeout":
            time.sleep(self.timeout_delay)
        assert reply is not None
        self._write(handler, reply)

    def _write(self, handler: BaseHTTPRequestHandler, reply: FakeReply) -> None:
        if isinstance(reply.body, bytes):
            payload = reply.body
            content_type = reply.headers.get("Content-Type", "application/octet-stream")
        else:
            payload = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                if name != "Content-Type":
                    handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to tell it


# The server's own count, written independently of the adapter's: each link is 23, the rest graphemes.
_LINK = regex.compile(r"https?://\S+")
_GRAPHEME = regex.compile(r"\X")


def mastodon_characters(text: str) -> int:
    return len(_GRAPHEME.findall(_LINK.sub("x" * 23, text)))


@dataclass(frozen=True)
class StoredStatus:
    """A status as the server answers it (`json`), with what was sent to create it."""

    json: dict[str, Any]
    text: str
    params: dict[str, Any]
    idempotency_key: str | None


class FakeMastodon(FakeApiServer):
    """POST /api/v1/statuses and GET /api/v1/statuses/:id, with bearer tokens, limits and Idempotency-Key."""

    STATUSES = "/api/v1/statuses"

    def __init__(self, *, access_token: str = "city-access-token", account: str = "chicago") -> None:
        super().__init__()
        self.access_token = access_token
        self.account = account
        self.max_characters = 500
        self.rate_limit_reset_in = timedelta(minutes=5)
        self.statuses: list[StoredStatus] = []
        self._by_idempotency_key: dict[str, StoredStatus] = {}

    def failure_reply(self, kind: FailureKind) -> FakeReply:
        if kind == "rate_limit":
            return FakeReply(429, {"error": "Too many requests"}, self._rate_limit_headers(remaining=0))
        return super().failure_reply(kind)

    def _rate_limit_headers(self, *, remaining: int) -> dict[str, str]:
        reset = datetime.now(UTC) + self.rate_limit_reset_in
        return {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }

    def respond(self, request: FakeRequest) -> FakeReply:
        if request.path == self.STATUSES and request.method == "POST":
            return self._create_status(request)
        if request.path.startswith(self.STATUSES + "/") and request.method == "GET":
            wanted = request.path.rsplit("/", 1)[1]
            found = next((status for status in self.statuses if status.json["id"] == wanted), None)
            return FakeReply(200, found.json) if found else FakeReply(404, {"error": "Record not found"})
        return FakeReply(404, {"error": "Record not found"})

    def _create_status(self, request: FakeRequest) -> FakeReply:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return FakeReply(401, {"error": "The access token is invalid"})
        is_json = request.headers.get("content-type", "").startswith("application/json")
        params = request.json() if is_json else request.form()
        if not isinstance(params, dict):
            return FakeReply(400, {"error": "Error while parsing params"})
        text = params.get("status") or ""
        if not isinstance(text, str) or not text.strip():
            return FakeReply(422, {"error": "Validation failed: Text can't be blank"})
        if mastodon_characters(text) > self.max_characters:
            return FakeReply(
                422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}
            )
        visibility = params.get("visibility", "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return FakeReply(422, {"error": "Validation failed: Visibility is not included in the list"})
        key = request.headers.get("idempotency-key")
        if key and key in self._by_idempotency_key:
            # Mastodon answers with the status the first request with this key created.
            first = self._by_idempotency_key[key]
            return FakeReply(200, first.json, self._rate_limit_headers(remaining=299))
        status = StoredStatus(self._status_json(text, visibility, params.get("language")), text, params, key)
        self.statuses.append(status)
        if key:
            self._by_idempotency_key[key] = status
        return FakeReply(200, status.json, self._rate_limit_headers(remaining=299))

    def _status_json(self, text: str, visibility: str, language: Any) -> dict[str, Any]:
        status_id = str(110_000_000_000_000_000 + len(self.statuses) + secrets.randbelow(1000) * 1000)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        paragraphs = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n"))
        return {
            "id": status_id,
            "created_at": now,
            "in_reply_to_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": visibility,
            "language": language if isinstance(language, str) else None,
            "uri": f"{self.url}/users/{self.account}/statuses/{status_id}",
            "url": f"{self.url}/@{self.account}/{status_id}",
            "content": paragraphs,
            "account": {"id": "1", "username": self.account, "acct": self.account},
            "media_attachments": [],
            "mentions": [],
            "tags": [],
        }
