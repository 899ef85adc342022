"""Posting to the city's Bluesky account through its PDS (AT Protocol XRPC).

Session: `com.atproto.server.createSession` with the handle and an app password gives an access JWT and
the account's DID. Sessions are cached per (PDS, handle) for the life of the process (a PDS allows few
createSession calls a day); an expired or rejected token is replaced by a new session once per post.

Exactly once: Bluesky has no idempotency header, so each post gets a record key (rkey) derived from the
caller's idempotency key and `created_at`. A retry asks for the same rkey, which cannot be created twice.
The rkey is a TID (13 base32-sortable characters: microseconds since 1970 and a 10-bit clock id) because
app.bsky.feed.post declares `"key": "tid"` and the Bluesky app does not show posts stored under other keys.

A PDS answers a create for an rkey that already exists with HTTP 500 InternalServerError today
(bluesky-social/atproto#3718); a newer lexicon adds an explicit 400 error for it. Neither says whose
record it is, so after any 5xx, or any 400/409 that mentions an existing record, the adapter reads the
record back with `com.atproto.repo.getRecord`: if it is there, an earlier attempt worked and that is the
result.
"""

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from civicloop.integrations.errors import TransientProviderError
from civicloop.integrations.social.base import (
    USER_AGENT,
    SocialPostResult,
    error_for_status,
    http_request,
    json_object,
)
from civicloop.integrations.social.text import BLUESKY_LIMIT, bluesky_length

POST_COLLECTION = "app.bsky.feed.post"
LINK_FEATURE = "app.bsky.richtext.facet#link"
DEFAULT_PDS_URL = "https://bsky.social"
DEFAULT_APP_URL = "https://bsky.app"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class _Session:
    access_jwt: str
    did: str


_sessions: dict[tuple[str, str], _Session] = {}
_sessions_lock = threading.Lock()


def forget_sessions() -> None:
    """Drop every cached session (tests; or after rotating the app password)."""
    with _sessions_lock:
        _sessions.clear()


def record_key_for(idempotency_key: str, created_at: datetime) -> str:
    """A TID, the same for the same (key, time): the time in microseconds, a clock id from the key."""
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    microseconds = (created_at - _EPOCH) // _ONE_MICROSECOND
    clock_id = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:2], "big") & 0x3FF
    # The top bit stays 0: 53 bits of microseconds last until the year 2255.
    value = ((microseconds & ((1 << 53) - 1)) << 10) | clock_id
    characters = []
    for _ in range(13):
        characters.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(characters))


def link_facet(text: str, link: str) -> dict[str, Any]:
    """The rich-text facet that makes the last occurrence of `link` in `text` clickable.

    Bluesky indexes facets by UTF-8 byte offsets (not characters), end exclusive.
    """
    position = text.rfind(link)
    if position < 0:
        raise ValueError("The post text must contain its link.")
    start = len(text[:position].encode("utf-8"))
    return {
        "index": {"byteStart": start, "byteEnd": start + len(link.encode("utf-8"))},
        "features": [{"$type": LINK_FEATURE, "uri": link}],
    }


def atproto_datetime(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and "Z", the form the Bluesky app writes."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class BlueskyPoster:
    """The city's Bluesky account, on its PDS, authorised by an app password (never the main password)."""

    network = "bluesky"
    limit = BLUESKY_LIMIT

    def __init__(
        self,
        pds_url: str,
        handle: str,
        app_password: str,
        timeout: float = 10,
        *,
        app_url: str = DEFAULT_APP_URL,
    ) -> None:
        self.pds_url = (pds_url or DEFAULT_PDS_URL).rstrip("/")
        self.handle = handle.lstrip("@")
        self.app_password = app_password
        self.timeout = timeout
        self.app_url = app_url.rstrip("/")
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    def count(self, text: str) -> int:
        return bluesky_length(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        """Create the post under a record key derived from (idempotency_key, created_at).

        A retry that finds the record already there returns it instead of posting again. Raises
        ValueError if `text` does not contain `link`.
        """
        rkey = record_key_for(idempotency_key, created_at)
        record = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": atproto_datetime(datetime.now(UTC)),
            "langs": [language],
            "facets": [link_facet(text, link)],
        }
        session = self._session()
        response = self._create_record(session, rkey, record)
        if _is_expired_session(response):
            # Access tokens live about two hours; a fresh session fixes that, once.
            session = self._session(renew=True)
            response = self._create_record(session, rkey, record)
        what = "Bluesky post"
        if response.status_code == 200:
            created = json_object(response, what=what)
            uri = created.get("uri")
            if not isinstance(uri, str) or not uri.startswith("at://"):
                raise TransientProviderError(f"{what}: answer lacks a uri", raw=response.text, code="garbage")
            return self._result(uri, rkey)
        error = error_for_status(response, what=what, code=_xrpc_error(response))
        if response.status_code >= 500 or _says_record_exists(response):
            existing = self._existing_record_uri(session.did, rkey)
            if existing:
                return self._result(existing, rkey)
        raise error

    def _result(self, uri: str, rkey: str) -> SocialPostResult:
        return SocialPostResult(remote_id=uri, remote_url=f"{self.app_url}/profile/{self.handle}/post/{rkey}")

    def _create_record(self, session: _Session, rkey: str, record: dict[str, Any]) -> requests.Response:
        return http_request(
            self._http,
            "POST",
            f"{self.pds_url}/xrpc/com.atproto.repo.createRecord",
            timeout=self.timeout,
            what="Bluesky post",
            headers={"Authorization": f"Bearer {session.access_jwt}"},
            json={"repo": session.did, "collection": POST_COLLECTION, "rkey": rkey, "record": record},
        )

    def _existing_record_uri(self, did: str, rkey: str) -> str:
        """The record's at:// URI if it exists; "" if the PDS says it does not, or cannot say."""
        what = "Bluesky record check"
        try:
            response = http_request(
                self._http,
                "GET",
                f"{self.pds_url}/xrpc/com.atproto.repo.getRecord",
                timeout=self.timeout,
                what=what,
                params={"repo": did, "collection": POST_COLLECTION, "rkey": rkey},
            )
            if response.status_code != 200:
                return ""
            uri = json_object(response, what=what).get("uri")
        except TransientProviderError:
            return ""
        return uri if isinstance(uri, str) and uri.startswith("at://") else ""

    def _session(self, *, renew: bool = False) -> _Session:
        key = (self.pds_url, self.handle.lower())
        with _sessions_lock:
            if renew:
                _sessions.pop(key, None)
            cached = _sessions.get(key)
        if cached is not None:
            return cached
        session = self._create_session()
        with _sessions_lock:
            _sessions[key] = session
        return session

    def _create_session(self) -> _Session:
        what = "Bluesky sign-in"
        response = http_request(
            self._http,
            "POST",
            f"{self.pds_url}/xrpc/com.atproto.server.createSession",
            timeout=self.timeout,
            what=what,
            json={"identifier": self.handle, "password": self.app_password},
        )
        if response.status_code != 200:
            raise error_for_status(response, what=what, code=_xrpc_error(response))
        body = json_object(response, what=what)
        access_jwt, did = body.get("accessJwt"), body.get("did")
        if not isinstance(access_jwt, str) or not isinstance(did, str) or not did.startswith("did:"):
            raise TransientProviderError(f"{what}: answer lacks accessJwt or did", code="garbage")
        return _Session(access_jwt=access_jwt, did=did)


def _xrpc_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _xrpc_error(response: requests.Response) -> str:
    """XRPC errors are {"error": "Name", "message": "..."}; the name is the code."""
    name = _xrpc_body(response).get("error")
    return name if isinstance(name, str) else ""


def _is_expired_session(response: requests.Response) -> bool:
    # A PDS answers an expired access token with 400 ExpiredToken, other unusable tokens with 401.
    return response.status_code == 401 or (
        response.status_code == 400 and _xrpc_error(response) in {"ExpiredToken", "InvalidToken"}
    )


def _says_record_exists(response: requests.Response) -> bool:
    body = _xrpc_body(response)
    name, message = str(body.get("error", "")).lower(), str(body.get("message", "")).lower()
    return response.status_code in (400, 409) and ("exist" in name or "already exists" in message)
