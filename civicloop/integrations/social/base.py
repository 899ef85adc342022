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
