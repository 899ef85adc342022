"""A local Mastodon server speaking enough of the statuses and notifications APIs to exercise the adapter
for real: posting, replying (`in_reply_to_id`), and residents' replies and mentions arriving as
notifications (GET /api/v1/notifications with `types[]`, `since_id`, `min_id`, `max_id`, `limit` and a Link
header as Mastodon sends it).

`FakeApiServer` (also used by the fake Bluesky PDS) runs a stdlib ThreadingHTTPServer on 127.0.0.1 with
a free port in a background thread, records every request, and can be told to fail the next requests:
rate limited, server error, garbage, or too slow to answer, before or after doing the work (a response
lost after the post was made is exactly the case idempotency keys exist for).

    with FakeMastodon() as mastodon:
        poster = MastodonPoster(mastodon.url, mastodon.access_token)
        mastodon.resident_posts("@chicago the bike lane is blocked", in_reply_to_id=city_status_id)
"""

import html
import json
import secrets
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Literal, Self
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

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
    raw_query: str = ""

    def query_list(self, name: str) -> list[str]:
        """Every value of a repeated parameter (`types[]=mention&types[]=follow`)."""
        return parse_qs(self.raw_query).get(name, [])

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
            raw_query=parts.query,
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
    """POST /api/v1/statuses, GET /api/v1/statuses/:id and GET /api/v1/notifications, with bearer tokens,
    limits and Idempotency-Key. `statuses` are the city's; residents' posts are made with `resident_posts`
    (which notifies the city as Mastodon does: a reply to the city's status, or any status mentioning it)."""

    STATUSES = "/api/v1/statuses"
    NOTIFICATIONS = "/api/v1/notifications"
    NOTIFICATIONS_DEFAULT_LIMIT = 40
    NOTIFICATIONS_MAX_LIMIT = 80

    def __init__(self, *, access_token: str = "city-access-token", account: str = "chicago") -> None:
        super().__init__()
        self.access_token = access_token
        self.account = account
        self.max_characters = 500
        self.rate_limit_reset_in = timedelta(minutes=5)
        self.statuses: list[StoredStatus] = []
        self.resident_statuses: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []  # oldest first; the API answers newest first
        self._by_idempotency_key: dict[str, StoredStatus] = {}
        self._next_notification_id = 100_000
        self._next_resident_status_id = 111_000_000_000_000_000

    def resident_posts(
        self,
        text: str,
        *,
        acct: str = "ana@mastodon.example",
        account_id: str = "",
        in_reply_to_id: str | None = None,
        visibility: str = "public",
        language: str | None = "en",
    ) -> dict[str, Any]:
        """A resident's status; it notifies the city (a mention) when it answers one of the city's statuses
        or names @<city account>. Returns the status as the API shows it."""
        with self._lock:
            self._next_resident_status_id += 1
            status_id = str(self._next_resident_status_id)
            username = acct.split("@", 1)[0]
            account = {
                "id": account_id or str(zlib.crc32(acct.encode())),
                "username": username,
                "acct": acct,
                "display_name": username.title(),
                "url": f"{self.url}/@{acct}",
            }
            parent = self._status(in_reply_to_id) if in_reply_to_id else None
            status = {
                "id": status_id,
                "created_at": _mastodon_now(),
                "in_reply_to_id": in_reply_to_id,
                "in_reply_to_account_id": parent["account"]["id"] if parent else None,
                "visibility": visibility,
                "language": language,
                "uri": f"{self.url}/users/{username}/statuses/{status_id}",
                "url": f"{self.url}/@{acct}/{status_id}",
                "content": "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n")),
                "account": account,
                "media_attachments": [],
                "mentions": [{"acct": self.account, "username": self.account}],
                "tags": [],
            }
            self.resident_statuses.append(status)
            to_city = parent is not None and parent["account"]["acct"] == self.account
            if to_city or f"@{self.account}" in text:
                self.notify("mention", account=account, status=status)
            return status

    def notify(self, kind: str, *, account: dict[str, Any], status: dict[str, Any] | None = None) -> str:
        """Add a notification of `kind` (mention, favourite, reblog, follow…) for the city; returns its id."""
        with self._lock:
            self._next_notification_id += 1
            notification = {
                "id": str(self._next_notification_id),
                "type": kind,
                "created_at": _mastodon_now(),
                "account": account,
            }
            if status is not None:
                notification["status"] = status
            self.notifications.append(notification)
            return str(notification["id"])

    def _status(self, status_id: str) -> dict[str, Any] | None:
        city = next((status.json for status in self.statuses if status.json["id"] == status_id), None)
        return city or next((status for status in self.resident_statuses if status["id"] == status_id), None)

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
        if request.path == self.NOTIFICATIONS and request.method == "GET":
            return self._notifications(request)
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
        in_reply_to_id = params.get("in_reply_to_id")
        parent = self._status(str(in_reply_to_id)) if in_reply_to_id else None
        if in_reply_to_id and parent is None:
            return FakeReply(404, {"error": "Record not found"})
        status = StoredStatus(self._status_json(text, visibility, params.get("language")), text, params, key)
        if parent is not None:
            status.json["in_reply_to_id"] = parent["id"]
            status.json["in_reply_to_account_id"] = parent["account"]["id"]
        self.statuses.append(status)
        if key:
            self._by_idempotency_key[key] = status
        return FakeReply(200, status.json, self._rate_limit_headers(remaining=299))

    def _notifications(self, request: FakeRequest) -> FakeReply:
        """Newest first. `max_id` (older than), `since_id` (newer than: the newest page), `min_id` (newer than:
        the page just after it); `types[]`/`exclude_types[]`. Link: rel="next" (older, only after a full
        page) and rel="prev" (newer), carrying `limit` and the types but not since_id, as Mastodon's do."""
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return FakeReply(401, {"error": "The access token is invalid"})
        try:
            limit = int(request.query.get("limit") or self.NOTIFICATIONS_DEFAULT_LIMIT)
        except ValueError:
            limit = self.NOTIFICATIONS_DEFAULT_LIMIT
        limit = max(1, min(limit, self.NOTIFICATIONS_MAX_LIMIT))
        types, excluded = request.query_list("types[]"), request.query_list("exclude_types[]")
        chosen = [
            item
            for item in self.notifications
            if (not types or item["type"] in types) and item["type"] not in excluded
        ]
        key = _id_order
        if request.query.get("max_id"):
            chosen = [item for item in chosen if key(item["id"]) < key(request.query["max_id"])]
        if request.query.get("since_id"):
            chosen = [item for item in chosen if key(item["id"]) > key(request.query["since_id"])]
        if request.query.get("min_id"):
            chosen = [item for item in chosen if key(item["id"]) > key(request.query["min_id"])][:limit]
        else:
            chosen = chosen[-limit:]
        page = list(reversed(chosen))
        links = []
        kept = [("limit", str(limit))] if request.query.get("limit") else []
        kept += [("types[]", value) for value in types] + [("exclude_types[]", value) for value in excluded]
        if page and len(page) == limit:
            links.append(
                f'<{self.url}{self.NOTIFICATIONS}?{urlencode([*kept, ("max_id", page[-1]["id"])])}>; rel="next"'
            )
        if page:
            links.append(
                f'<{self.url}{self.NOTIFICATIONS}?{urlencode([*kept, ("min_id", page[0]["id"])])}>; rel="prev"'
            )
        headers = self._rate_limit_headers(remaining=299)
        if links:
            headers["Link"] = ", ".join(links)
        return FakeReply(200, page, headers)

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


def _mastodon_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _id_order(value: str) -> tuple[int, str]:
    # Mastodon's ids are decimal strings that grow in length: compare by length, then by digits.
    return (len(value), value)
