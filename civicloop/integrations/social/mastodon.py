"""The city's Mastodon account: posting (POST /api/v1/statuses), and reading and answering the replies and
mentions it gets (GET /api/v1/notifications, a status with `in_reply_to_id`).

Idempotency: Mastodon honours an `Idempotency-Key` header on this endpoint for one hour (it remembers
key → status in Redis), so a retry within the hour returns the status the first attempt created instead
of posting again. The delivery retry schedule stays well inside that hour.

Notifications come newest first, `limit` at a time; `since_id` keeps only those after a position, and the
Link header's rel="next" pages back to older ones (with `max_id`).
"""

import html
import re
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
    next_link,
)
from civicloop.integrations.social.text import MASTODON_LIMIT, mastodon_length

NOTIFICATIONS_PAGE = 40  # Mastodon's largest page of notifications
# A poll reads at most this many pages (400 mentions); a longer backlog keeps its newest.
NOTIFICATIONS_MAX_PAGES = 10
REPLY_VISIBILITIES = ("direct", "private", "unlisted")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


class MastodonPoster:
    """The city's account on one Mastodon server, authorised by an access token with `write:statuses`
    (and `read:notifications` for the inbox)."""

    network = "mastodon"
    limit = MASTODON_LIMIT

    def __init__(self, base_url: str, access_token: str, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    @property
    def account(self) -> str:
        return self.base_url

    def count(self, text: str) -> int:
        return mastodon_length(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        """Publish a public status; the same `idempotency_key` within an hour returns the same status.

        `link` and `created_at` are not needed here: Mastodon links URLs itself and dates the status.
        """
        return self._create_status(
            {"status": text, "visibility": "public", "language": language},
            idempotency_key=idempotency_key,
            what="Mastodon status",
        )

    def reply_text(self, text: str, target: SocialReplyTarget) -> str:
        # Mastodon tells a person of a reply through the mention in its text, as its own apps write it.
        mention = f"@{target.author_handle}"
        if not target.author_handle or text.lower().startswith(mention.lower()):
            return text
        return f"{mention} {text}"

    def reply(
        self,
        *,
        text: str,
        target: SocialReplyTarget,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        """Answer a status in its thread, no more visible than it (a direct message gets a direct reply).

        The same `idempotency_key` within an hour returns the first reply; the caller keeps the key longer.
        """
        visibility = target.visibility if target.visibility in REPLY_VISIBILITIES else "public"
        return self._create_status(
            {
                "status": self.reply_text(text, target),
                "in_reply_to_id": target.remote_id,
                "visibility": visibility,
                "language": language,
            },
            idempotency_key=idempotency_key,
            what="Mastodon reply",
        )

    def mentions(self, *, since: str) -> SocialMentions:
        """Mention notifications (replies to the city's statuses are mentions too) after `since`.

        With no `since`, the latest page only: the inbox starts from now, not from the account's history.
        The position returned is the newest notification's id ("0" when there was none at all).
        """
        what = "Mastodon notifications"
        url = f"{self.base_url}/api/v1/notifications"
        first_page = [("types[]", "mention"), ("limit", str(NOTIFICATIONS_PAGE))]
        params: list[tuple[str, str]] | None = [*first_page, ("since_id", since)] if since else first_page
        found: dict[str, SocialMention] = {}
        for _page in range(NOTIFICATIONS_MAX_PAGES):
            response = http_request(
                self._http, "GET", url, timeout=self.timeout, what=what, headers=self._auth(), params=params
            )
            if response.status_code != 200:
                raise error_for_status(response, what=what, code=_error_code(response))
            items = _json_list(response, what=what)
            for item in items:
                mention = _mention(item)
                if mention is not None and (not since or _id_after(mention.position, since)):
                    found[mention.position] = mention
            url = next_link(response)
            if not since or not items or not url.startswith(self.base_url + "/"):
                break
            # The next link pages back with max_id alone: since_id stops the walk at the position.
            params = None if "since_id=" in url else [("since_id", since)]
        ordered = sorted(found.values(), key=lambda mention: _id_key(mention.position))
        # After a first read with nothing in it, everything that comes is new: "0" is before every id.
        position = ordered[-1].position if ordered else since or "0"
        return SocialMentions(mentions=ordered, position=position)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def _create_status(self, payload: dict[str, Any], *, idempotency_key: str, what: str) -> SocialPostResult:
        response = http_request(
            self._http,
            "POST",
            f"{self.base_url}/api/v1/statuses",
            timeout=self.timeout,
            what=what,
            headers={**self._auth(), "Idempotency-Key": idempotency_key},
            json=payload,
        )
        if response.status_code != 200:
            raise error_for_status(response, what=what, code=_error_code(response))
        status = json_object(response, what=what)
        status_id = status.get("id")
        url = status.get("url") or status.get("uri")
        if not isinstance(status_id, str | int) or not isinstance(url, str) or not url:
            # The status may exist; retrying with the same key is safe and will return it.
            raise TransientProviderError(f"{what}: answer lacks id or url", raw=response.text, code="garbage")
        return SocialPostResult(remote_id=str(status_id), remote_url=url)


def _error_code(response: requests.Response) -> str:
    """A short failure code (Mastodon's errors are only {"error": "human text"}); "" means the HTTP status."""
    if response.status_code in (401, 403):
        return "unauthorized"
    if response.status_code == 404:
        return "not_found"
    if response.status_code == 422:
        return "rejected"
    if response.status_code == 429:
        return "rate_limited"
    return ""


def _json_list(response: requests.Response, *, what: str) -> list[Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise TransientProviderError(
            f"{what}: answer was not JSON (HTTP {response.status_code})", raw=response.text, code="garbage"
        ) from error
    if not isinstance(body, list):
        raise TransientProviderError(f"{what}: answer was not a JSON list", raw=response.text, code="garbage")
    return body


def _id_key(value: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings of growing length (snowflakes): shorter is older.
    return (len(value), value)


def _id_after(value: str, position: str) -> bool:
    return _id_key(value) > _id_key(position)


def status_text(content: str) -> str:
    """A status's HTML content as plain text: paragraphs and line breaks kept, links as their text."""
    text = _PARAGRAPH.sub("\n\n", content)
    text = _BREAK.sub("\n", text)
    return html.unescape(_TAG.sub("", text)).strip()


def _datetime(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _mention(item: Any) -> SocialMention | None:
    """A mention notification as a SocialMention; None for anything else, or one missing its parts."""
    if not isinstance(item, dict) or item.get("type") != "mention":
        return None
    status, notification_id = item.get("status"), item.get("id")
    if not isinstance(status, dict) or not isinstance(notification_id, str | int):
        return None
    account = status.get("account") if isinstance(status.get("account"), dict) else item.get("account")
    if not isinstance(account, dict) or not isinstance(status.get("id"), str | int):
        return None
    in_reply_to = status.get("in_reply_to_id")
    return SocialMention(
        remote_id=str(status["id"]),
        remote_url=str(status.get("url") or status.get("uri") or ""),
        author_id=str(account.get("id") or ""),
        author_handle=str(account.get("acct") or account.get("username") or ""),
        text=status_text(str(status.get("content") or "")),
        created_at=_datetime(status.get("created_at")),
        position=str(notification_id),
        in_reply_to_id=str(in_reply_to) if isinstance(in_reply_to, str | int) else "",
        language=str(status.get("language") or ""),
        visibility=str(status.get("visibility") or ""),
    )
