"""A local Bluesky PDS speaking enough XRPC to exercise the adapter for real.

Endpoints: com.atproto.server.createSession, com.atproto.repo.createRecord (app.bsky.feed.post only, replies
with a `reply` {root, parent} block of strong refs), com.atproto.repo.getRecord and
app.bsky.notification.listNotifications (newest first, `limit`, `cursor`, `reasons`), with XRPC error bodies ({"error": Name, "message": text}) and rate-limit
headers like a real PDS. It checks what the real one does (text ≤ 300 graphemes and 3000 bytes, facet
byte ranges, createdAt, rkey syntax) and one thing it does not: post rkeys must be TIDs, because the
Bluesky app does not show posts stored under other keys.

Creating a record whose rkey exists: a live PDS answers HTTP 500 {"error": "InternalServerError"}
(bluesky-social/atproto#3718, indigo#873). That is the default here (`duplicate_answer="internal_error"`);
`duplicate_answer="explicit"` answers 400 {"error": "InvalidRequest", "message": "Record already exists"},
standing in for the explicit error newer PDS versions are adding. The adapter must cope with both.

    with FakeBlueskyPds() as pds:
        poster = BlueskyPoster(pds.url, pds.handle, pds.app_password)
        pds.resident_posts("Is the beach open?", parent_uri=city_post_uri)   # notifies the city: "reply"
"""

import hashlib
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import regex

from civicloop.integrations.tests.fake_mastodon import FailureKind, FakeApiServer, FakeReply, FakeRequest

POST = "app.bsky.feed.post"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
GET_RECORD = "/xrpc/com.atproto.repo.getRecord"
LIST_NOTIFICATIONS = "/xrpc/app.bsky.notification.listNotifications"

_GRAPHEME = regex.compile(r"\X")
_RKEY = regex.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_TID = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_DATETIME = regex.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _xrpc_error(status: int, name: str, message: str) -> FakeReply:
    return FakeReply(status, {"error": name, "message": message})


@dataclass(frozen=True)
class StoredRecord:
    uri: str
    cid: str
    rkey: str
    value: dict[str, Any]


class FakeBlueskyPds(FakeApiServer):
    """One account on a PDS: its handle, app password and DID; posts are kept in `records` by rkey."""

    def __init__(
        self,
        *,
        handle: str = "chicago.test",
        app_password: str = "abcd-efgh-ijkl-mnop",
        did: str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
        duplicate_answer: Literal["internal_error", "explicit"] = "internal_error",
    ) -> None:
        super().__init__()
        self.handle = handle
        self.app_password = app_password
        self.did = did
        self.duplicate_answer = duplicate_answer
        self.records: dict[str, StoredRecord] = {}
        self.sessions_created = 0
        self._access_tokens: dict[str, bool] = {}  # token → expired?
        # Other accounts' posts (by at:// URI) and the city's notifications, oldest first.
        self.remote_posts: dict[str, StoredRecord] = {}
        self.remote_authors: dict[str, dict[str, str]] = {}  # post URI → {"did", "handle"}
        self.notifications: list[dict[str, Any]] = []
        self._last_indexed = datetime.now(UTC) - timedelta(days=1)

    def record_by_uri(self, uri: str) -> StoredRecord | None:
        """The city's post or another account's, by its at:// URI."""
        own = next((record for record in self.records.values() if record.uri == uri), None)
        return own or self.remote_posts.get(uri)

    def resident_posts(
        self,
        text: str,
        *,
        handle: str = "ana.bsky.example",
        did: str = "",
        parent_uri: str | None = None,
        langs: list[str] | None = None,
    ) -> StoredRecord:
        """Another account's post, a reply when `parent_uri` is given. It notifies the city as the AppView
        does: "reply" when it answers one of the city's posts, "mention" when it names @<city handle>."""
        with self._lock:
            author_did = did or "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
            record: dict[str, Any] = {
                "$type": POST,
                "text": text,
                "createdAt": _atproto_now(),
                "langs": langs or ["en"],
            }
            parent = self.record_by_uri(parent_uri) if parent_uri else None
            if parent_uri and parent is None:
                raise ValueError(f"no post {parent_uri}")
            if parent is not None:
                reply = parent.value.get("reply")
                root = reply["root"] if isinstance(reply, dict) else {"uri": parent.uri, "cid": parent.cid}
                record["reply"] = {"root": root, "parent": {"uri": parent.uri, "cid": parent.cid}}
            rkey = _tid_now()
            uri = f"at://{author_did}/{POST}/{rkey}"
            stored = StoredRecord(uri=uri, cid=_cid(record), rkey=rkey, value=record)
            self.remote_posts[uri] = stored
            self.remote_authors[uri] = {"did": author_did, "handle": handle}
            if parent is not None and parent.uri in {own.uri for own in self.records.values()}:
                self.notify("reply", stored, reason_subject=parent.uri)
            elif f"@{self.handle}" in text:
                self.notify("mention", stored)
            return stored

    def notify(self, reason: str, post: StoredRecord, *, reason_subject: str | None = None) -> None:
        """Add a notification of `reason` (reply, mention, like, repost, follow, quote) about `post`."""
        with self._lock:
            # indexedAt grows strictly, as the AppView's does.
            self._last_indexed = max(datetime.now(UTC), self._last_indexed + timedelta(milliseconds=1))
            author = self.remote_authors.get(post.uri, {"did": "did:plc:someone", "handle": "someone.test"})
            notification = {
                "uri": post.uri,
                "cid": post.cid,
                "author": {"did": author["did"], "handle": author["handle"], "displayName": author["handle"]},
                "reason": reason,
                "record": post.value,
                "isRead": False,
                "indexedAt": _atproto_time(self._last_indexed),
                "labels": [],
            }
            if reason_subject:
                notification["reasonSubject"] = reason_subject
            self.notifications.append(notification)

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [record.value for record in self.records.values()]

    def expire_sessions(self) -> None:
        """Every access token issued so far answers ExpiredToken from now on (as after two hours)."""
        with self._lock:
            self._access_tokens = dict.fromkeys(self._access_tokens, True)

    def failure_reply(self, kind: FailureKind) -> FakeReply:
        if kind == "rate_limit":
            reply = _xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded")
            reply.headers = {
                "RateLimit-Limit": "5000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(time.time()) + 90),
                "RateLimit-Policy": "5000;w=3600",
            }
            return reply
        if kind == "server_error":
            return _xrpc_error(500, "InternalServerError", "Internal Server Error")
        return super().failure_reply(kind)

    def respond(self, request: FakeRequest) -> FakeReply:
        if request.path == CREATE_SESSION and request.method == "POST":
            return self._create_session(request)
        if request.path == CREATE_RECORD and request.method == "POST":
            return self._create_record(request)
        if request.path == GET_RECORD and request.method == "GET":
            return self._get_record(request)
        if request.path == LIST_NOTIFICATIONS and request.method == "GET":
            return self._list_notifications(request)
        return _xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")

    def _create_session(self, request: FakeRequest) -> FakeReply:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("identifier"), str):
            return _xrpc_error(400, "InvalidRequest", 'Input must have the property "identifier"')
        known = body["identifier"].lstrip("@").lower() in (self.handle, self.did)
        if not known or body.get("password") != self.app_password:
            return _xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.sessions_created += 1
        access = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ." + secrets.token_urlsafe(24)
        self._access_tokens[access] = False
        return FakeReply(
            200,
            {
                "did": self.did,
                "handle": self.handle,
                "accessJwt": access,
                "refreshJwt": "eyJ0eXAiOiJyZWZyZXNoK2p3dCJ9." + secrets.token_urlsafe(24),
                "active": True,
            },
        )

    def _unauthorized(self, request: FakeRequest) -> FakeReply | None:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return _xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        expired = self._access_tokens.get(authorization.removeprefix("Bearer "))
        if expired is None:
            return _xrpc_error(401, "InvalidToken", "Token could not be verified")
        if expired:
            return _xrpc_error(400, "ExpiredToken", "Token has expired")
        return None

    def _list_notifications(self, request: FakeRequest) -> FakeReply:
        """Newest first; `cursor` (opaque here: an offset) pages back; `reasons` keeps only those reasons."""
        refused = self._unauthorized(request)
        if refused is not None:
            return refused
        try:
            limit = int(request.query.get("limit") or 50)
            offset = int(request.query.get("cursor") or 0)
        except ValueError:
            return _xrpc_error(400, "InvalidRequest", "limit and cursor must be integers here")
        if not 1 <= limit <= 100:
            return _xrpc_error(400, "InvalidRequest", "limit must be between 1 and 100")
        reasons = request.query_list("reasons")
        newest_first = [
            item for item in reversed(self.notifications) if not reasons or item["reason"] in reasons
        ]
        page = newest_first[offset : offset + limit]
        body: dict[str, Any] = {"notifications": page, "priority": False}
        if offset + limit < len(newest_first):
            body["cursor"] = str(offset + limit)
        return FakeReply(200, body)

    def _create_record(self, request: FakeRequest) -> FakeReply:
        refused = self._unauthorized(request)
        if refused is not None:
            return refused
        body = request.json()
        if not isinstance(body, dict):
            return _xrpc_error(400, "InvalidRequest", "Request body must be a JSON object")
        if body.get("repo") not in (self.did, self.handle):
            return _xrpc_error(400, "InvalidRequest", f"Could not find repo: {body.get('repo')}")
        if body.get("collection") != POST:
            return _xrpc_error(400, "InvalidRequest", "This fake PDS only stores app.bsky.feed.post")
        record = body.get("record")
        problem = _post_problem(record)
        if problem:
            return _xrpc_error(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {problem}")
        rkey = body.get("rkey") or _tid_now()
        if not isinstance(rkey, str) or not _RKEY.match(rkey) or rkey in (".", ".."):
            return _xrpc_error(400, "InvalidRequest", "record key syntax not valid")
        if not _TID.match(rkey):
            return _xrpc_error(400, "InvalidRequest", "app.bsky.feed.post record keys must be TIDs")
        if rkey in self.records:
            if self.duplicate_answer == "explicit":
                return _xrpc_error(400, "InvalidRequest", "Record already exists")
            return _xrpc_error(500, "InternalServerError", "Internal Server Error")
        assert isinstance(record, dict)
        uri = f"at://{self.did}/{POST}/{rkey}"
        stored = StoredRecord(uri=uri, cid=_cid(record), rkey=rkey, value=record)
        self.records[rkey] = stored
        return FakeReply(
            200,
            {
                "uri": uri,
                "cid": stored.cid,
                "commit": {"cid": _cid({"commit": uri}), "rev": _tid_now()},
                "validationStatus": "valid",
            },
        )

    def _get_record(self, request: FakeRequest) -> FakeReply:
        repo, rkey = request.query.get("repo"), request.query.get("rkey", "")
        uri = f"at://{repo}/{request.query.get('collection')}/{rkey}"
        stored = self.records.get(rkey) if repo in (self.did, self.handle) else None
        if stored is None or request.query.get("collection") != POST:
            return _xrpc_error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return FakeReply(200, {"uri": stored.uri, "cid": stored.cid, "value": stored.value})


def _post_problem(record: Any) -> str:
    """What a PDS would reject in this post record, or "" if it is valid."""
    if not isinstance(record, dict) or record.get("$type") != POST:
        return "Record/$type must be app.bsky.feed.post"
    text = record.get("text")
    if not isinstance(text, str):
        return 'Record must have the property "text"'
    if len(_GRAPHEME.findall(text)) > 300:
        return "Record/text must not be longer than 300 graphemes"
    encoded = text.encode("utf-8")
    if len(encoded) > 3000:
        return "Record/text must not be longer than 3000 characters"
    if not isinstance(record.get("createdAt"), str) or not _DATETIME.match(record["createdAt"]):
        return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
    langs = record.get("langs", [])
    if not isinstance(langs, list) or len(langs) > 3:
        return "Record/langs must not have more than 3 elements"
    if "reply" in record:
        reply = record["reply"]
        if not isinstance(reply, dict):
            return "Record/reply must be an object"
        for part in ("root", "parent"):
            ref = reply.get(part)
            if not isinstance(ref, dict) or not str(ref.get("uri", "")).startswith("at://"):
                return f"Record/reply/{part}/uri must be a valid at-uri"
            if not isinstance(ref.get("cid"), str) or not ref["cid"]:
                return f"Record/reply/{part}/cid must be a cid string"
    for number, facet in enumerate(record.get("facets", [])):
        index = facet.get("index", {}) if isinstance(facet, dict) else {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(encoded):
            return f"Record/facets/{number}/index must be a byte range inside the text"
        features = facet.get("features")
        if not isinstance(features, list) or not features:
            return f"Record/facets/{number}/features must be a non-empty array"
        for feature in features:
            if feature.get("$type") == "app.bsky.richtext.facet#link" and not str(feature.get("uri", "")):
                return f"Record/facets/{number}/features/0/uri must be a valid uri"
    return ""


def _atproto_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _atproto_now() -> str:
    return _atproto_time(datetime.now(UTC))


def _tid_now() -> str:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(alphabet[(value >> shift) & 31] for shift in range(60, -1, -5))


def _cid(data: Any) -> str:
    digest = hashlib.sha256(repr(data).encode()).digest()
    return "bafyrei" + b32encode(digest).decode().lower().rstrip("=")[:52]
