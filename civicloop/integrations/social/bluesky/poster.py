"""The city's Bluesky account: posting, replying in a thread, and reading replies and mentions."""

from datetime import UTC, datetime
from typing import Any

import requests

from civicloop.integrations.errors import TransientProviderError
from civicloop.integrations.social.base import (
    USER_AGENT,
    SocialMention,
    SocialMentions,
    SocialPostResult,
    SocialReplyTarget,
    error_for_status,
    http_request,
    json_object,
)
from civicloop.integrations.social.bluesky.records import (
    _EPOCH,
    POST_COLLECTION,
    _object,
    _parse_datetime,
    atproto_datetime,
    link_facet,
    link_facets,
    record_key_for,
)
from civicloop.integrations.social.bluesky.sessions import _Session, _sessions, _sessions_lock
from civicloop.integrations.social.bluesky.xrpc import _is_expired_session, _says_record_exists, _xrpc_error
from civicloop.integrations.social.text import BLUESKY_LIMIT, bluesky_length

DEFAULT_PDS_URL = "https://bsky.social"
DEFAULT_APP_URL = "https://bsky.app"
LIST_NOTIFICATIONS = "app.bsky.notification.listNotifications"
NOTIFICATIONS_PAGE = 50
# A poll reads at most this many pages (500 notifications); a longer backlog keeps its newest.
NOTIFICATIONS_MAX_PAGES = 10
MENTION_REASONS = ("reply", "mention")


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

    @property
    def account(self) -> str:
        return f"{self.pds_url}#{self.handle.lower()}"

    def count(self, text: str) -> int:
        return bluesky_length(text)

    def reply_text(self, text: str, target: SocialReplyTarget) -> str:
        return text  # Bluesky tells the author of the post answered; no mention needed

    def reply(
        self,
        *,
        text: str,
        target: SocialReplyTarget,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        """Answer a post in its thread (the `reply` block names the thread's root and the post answered),
        under a record key derived from (idempotency_key, created_at): a retry posts it once."""
        parent = {"uri": target.remote_id, "cid": target.cid}
        root = {"uri": target.thread_root_id, "cid": target.thread_root_cid}
        if not target.thread_root_id or not target.thread_root_cid:
            root = parent  # the post answered starts the thread
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": atproto_datetime(datetime.now(UTC)),
            "langs": [language],
            "reply": {"root": root, "parent": parent},
        }
        facets = link_facets(text)
        if facets:
            record["facets"] = facets
        return self._create(record, record_key_for(idempotency_key, created_at), what="Bluesky reply")

    def mentions(self, *, since: str) -> SocialMentions:
        """Reply and mention notifications indexed at or after `since` (an indexedAt time).

        With no `since`, the latest page only: the inbox starts from now, not from the account's history.
        A notification at exactly `since` comes again; the caller stores each post once. The position
        returned is the newest notification's indexedAt (the epoch when there was none at all).
        """
        what = "Bluesky notifications"
        after = _parse_datetime(since) if since else None
        found: dict[str, SocialMention] = {}
        positions: list[datetime] = []
        cursor = ""
        for _page in range(NOTIFICATIONS_MAX_PAGES):
            params: list[tuple[str, str]] = [("limit", str(NOTIFICATIONS_PAGE))]
            params += [("reasons", reason) for reason in MENTION_REASONS]
            if cursor:
                params.append(("cursor", cursor))
            body = self._xrpc_get(LIST_NOTIFICATIONS, params, what=what)
            items = body.get("notifications")
            if not isinstance(items, list):
                raise TransientProviderError(f"{what}: answer lacks notifications", code="garbage")
            reached = False
            for item in items:
                indexed = _parse_datetime(item.get("indexedAt") if isinstance(item, dict) else None)
                if indexed is None:
                    continue
                if after is not None and indexed < after:
                    reached = True
                    continue
                positions.append(indexed)
                mention = self._mention(item)
                if mention is not None:
                    found[mention.remote_id] = mention
            next_cursor = body.get("cursor")
            if after is None or reached or not items or not isinstance(next_cursor, str) or not next_cursor:
                break
            cursor = next_cursor
        ordered = sorted(found.values(), key=lambda mention: (mention.position, mention.created_at))
        # After a first read with nothing in it, everything that comes is new: the epoch is before it all.
        position = atproto_datetime(max(positions)) if positions else since or atproto_datetime(_EPOCH)
        return SocialMentions(mentions=ordered, position=position)

    def _xrpc_get(self, method: str, params: list[tuple[str, str]], *, what: str) -> dict[str, Any]:
        session = self._session()
        response = self._get(session, method, params, what=what)
        if _is_expired_session(response):
            response = self._get(self._session(renew=True), method, params, what=what)
        if response.status_code != 200:
            raise error_for_status(response, what=what, code=_xrpc_error(response))
        return json_object(response, what=what)

    def _get(
        self, session: _Session, method: str, params: list[tuple[str, str]], *, what: str
    ) -> requests.Response:
        return http_request(
            self._http,
            "GET",
            f"{self.pds_url}/xrpc/{method}",
            timeout=self.timeout,
            what=what,
            headers={"Authorization": f"Bearer {session.access_jwt}"},
            params=params,
        )

    def _mention(self, item: Any) -> SocialMention | None:
        """A reply or mention notification of a post as a SocialMention; None for anything else."""
        if not isinstance(item, dict) or item.get("reason") not in MENTION_REASONS:
            return None
        uri, cid, author, record = item.get("uri"), item.get("cid"), item.get("author"), item.get("record")
        if not isinstance(uri, str) or not uri.startswith("at://") or not isinstance(cid, str):
            return None
        if not isinstance(author, dict) or not isinstance(record, dict):
            return None
        if record.get("$type", POST_COLLECTION) != POST_COLLECTION:
            return None
        handle, did = str(author.get("handle") or ""), str(author.get("did") or "")
        reply = _object(record.get("reply"))
        root, parent = _object(reply.get("root")), _object(reply.get("parent"))
        langs = record.get("langs")
        indexed = str(item.get("indexedAt") or "")
        return SocialMention(
            remote_id=uri,
            remote_url=f"{self.app_url}/profile/{handle or did}/post/{uri.rsplit('/', 1)[-1]}",
            author_id=did,
            author_handle=handle,
            text=str(record.get("text") or ""),
            created_at=_parse_datetime(record.get("createdAt")) or datetime.now(UTC),
            position=atproto_datetime(_parse_datetime(indexed) or datetime.now(UTC)),
            in_reply_to_id=str(parent.get("uri") or ""),
            thread_root_id=str(root.get("uri") or ""),
            language=str(langs[0]) if isinstance(langs, list) and langs else "",
            cid=cid,
            thread_root_cid=str(root.get("cid") or ""),
        )

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
        return self._create(record, rkey, what="Bluesky post")

    def _create(self, record: dict[str, Any], rkey: str, *, what: str) -> SocialPostResult:
        session = self._session()
        response = self._create_record(session, rkey, record)
        if _is_expired_session(response):
            # Access tokens live about two hours; a fresh session fixes that, once.
            session = self._session(renew=True)
            response = self._create_record(session, rkey, record)
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
