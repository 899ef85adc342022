"""What every social network adapter offers, and the HTTP plumbing they share.

Adapters turn every outcome into a `SocialPostResult` or one of the `ProviderError`s in
`civicloop.integrations.errors`; the delivery engine decides what to do about failures.
"""

import email.utils
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError

USER_AGENT = "civicloop (+https://github.com/civicloop)"
# Statuses worth trying again: request timeout, too early, rate limited, and every server error.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
# Reset times beyond this are treated as nonsense rather than honoured (a day is plenty).
MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60.0


@dataclass(frozen=True)
class SocialPostResult:
    """A post that exists on the network: its stable id there and the address people can open."""

    remote_id: str
    remote_url: str


class SocialPoster(Protocol):
    """One of the city's accounts on one network.

    `post` either returns a result (the post exists, possibly from an earlier attempt with the same
    idempotency key) or raises `TransientProviderError` (try again later with the same arguments) or
    `PermanentProviderError` (retrying will not help). Calling it again with the same `idempotency_key`
    and `created_at` does not create a second post, within the limits each adapter documents.
    """

    network: str
    limit: int

    def count(self, text: str) -> int:
        """The length of `text` as this network measures it against `limit`."""
        ...

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        """Publish `text` (containing `link`); `created_at`: when the caller queued it, same on retries."""
        ...


@dataclass(frozen=True)
class SocialMention:
    """A post that replies to or mentions one of the city's accounts, as a notification announced it.

    `remote_id` is the post's id on its network (Mastodon status id, Bluesky at:// URI). `thread_root_id`
    is the root of its reply thread when the network says (Bluesky), else "" (Mastodon: see
    `in_reply_to_id`). `position` orders notifications (Mastodon's notification id, Bluesky's indexedAt).
    """

    remote_id: str
    remote_url: str
    author_id: str  # Mastodon account id, Bluesky DID: stable
    author_handle: str  # Mastodon acct ("ana" or "ana@other.server"), Bluesky handle: may change
    text: str
    created_at: datetime
    position: str
    in_reply_to_id: str = ""
    thread_root_id: str = ""
    language: str = ""
    # What a reply needs: Bluesky's content ids of the post and its root; Mastodon's visibility.
    cid: str = ""
    thread_root_cid: str = ""
    visibility: str = ""


@dataclass(frozen=True)
class SocialMentions:
    """New mentions, oldest first, and the position to ask from next time (unchanged when none came)."""

    mentions: list[SocialMention]
    position: str


@dataclass(frozen=True)
class SocialReplyTarget:
    """The post a reply answers, with what each network needs to thread the reply under it."""

    remote_id: str
    author_handle: str
    cid: str = ""
    thread_root_id: str = ""
    thread_root_cid: str = ""
    visibility: str = ""
    # Meta: "comment" or "message" (a private message, answered by a message to `recipient_id`).
    kind: str = ""
    recipient_id: str = ""
    # A comment answered by one private message to its author, rather than publicly under it.
    private: bool = False
    # A message sent 24 hours to 7 days after the resident's last one: only a person may, tagged so.
    human_agent: bool = False


class SocialInbox(Protocol):
    """One of the city's accounts, read for replies and mentions, and answering them in their thread.

    Failures are raised like `SocialPoster.post`'s: TransientProviderError or PermanentProviderError.
    """

    network: str
    limit: int

    @property
    def account(self) -> str:
        """Names the account (its server, and handle): where it has read up to is kept per account."""
        ...

    def count(self, text: str) -> int: ...

    def reply_text(self, text: str, target: SocialReplyTarget) -> str:
        """The text as it will be posted (Mastodon: with the resident's @handle first, so they are told)."""
        ...

    def mentions(self, *, since: str) -> SocialMentions:
        """Replies and mentions notified after position `since` ("" on the first call: the latest page)."""
        ...

    def reply(
        self,
        *,
        text: str,
        target: SocialReplyTarget,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        """Post `reply_text(text, target)` in reply to `target`; the same key and time post it once."""
        ...


def next_link(response: requests.Response) -> str:
    """The Link header's rel="next" address ("" when there is none)."""
    return str(response.links.get("next", {}).get("url", ""))


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """How long the server asked us to wait, from Retry-After or a rate-limit reset header, if it said.

    Understands delta seconds, HTTP dates, Unix timestamps (Bluesky's `ratelimit-reset`) and ISO 8601
    times (Mastodon's `X-RateLimit-Reset`). Never negative, at most a day; None when no header parses.
    """
    moment = now or datetime.now(UTC)
    lowered = {key.lower(): value.strip() for key, value in headers.items()}
    for name in ("retry-after", "x-ratelimit-reset", "ratelimit-reset"):
        value = lowered.get(name)
        if not value:
            continue
        seconds = _seconds_until(value, moment)
        if seconds is not None:
            return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
    return None


def _seconds_until(value: str, now: datetime) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        # Large numbers are Unix timestamps (Bluesky); small ones are a delay in seconds (Retry-After).
        return number - now.timestamp() if number > 1_000_000_000 else number
    when: datetime
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def http_request(
    session: requests.Session, method: str, url: str, *, timeout: float, what: str, **kwargs: Any
) -> requests.Response:
    """Send one request; a timeout or a broken connection becomes a TransientProviderError.

    Redirects are not followed: a POST that is redirected would silently turn into a GET.
    """
    try:
        return session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.Timeout as error:
        raise TransientProviderError(f"{what}: no answer within {timeout:g}s", code="timeout") from error
    except requests.RequestException as error:
        raise TransientProviderError(f"{what}: {type(error).__name__}", code="connection") from error


def json_object(response: requests.Response, *, what: str) -> dict[str, Any]:
    """The response body as a JSON object; anything else is a garbage answer, worth retrying."""
    try:
        body = response.json()
    except ValueError as error:
        raise TransientProviderError(
            f"{what}: answer was not JSON (HTTP {response.status_code})", raw=response.text, code="garbage"
        ) from error
    if not isinstance(body, dict):
        raise TransientProviderError(
            f"{what}: answer was not a JSON object (HTTP {response.status_code})",
            raw=response.text,
            code="garbage",
        )
    return body


def error_for_status(response: requests.Response, *, what: str, code: str = "") -> ProviderError:
    """The ProviderError a failed HTTP answer means: 408/425/429/5xx transient, other 4xx/3xx permanent."""
    status = response.status_code
    message = f"{what}: HTTP {status}"
    error_code = code or str(status)
    if status in TRANSIENT_STATUSES or status >= 500:
        return TransientProviderError(
            message, raw=response.text, code=error_code, retry_after=retry_after_seconds(response.headers)
        )
    return PermanentProviderError(message, raw=response.text, code=error_code)
