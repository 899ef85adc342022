"""Posting to the city's Mastodon account through the statuses API (POST /api/v1/statuses).

Idempotency: Mastodon honours an `Idempotency-Key` header on this endpoint for one hour (it remembers
key → status in Redis), so a retry within the hour returns the status the first attempt created instead
of posting again. The delivery retry schedule stays well inside that hour.
"""

from datetime import datetime

import requests

from civicloop.integrations.errors import TransientProviderError
from civicloop.integrations.social.base import (
    USER_AGENT,
    SocialPostResult,
    error_for_status,
    http_request,
    json_object,
)
from civicloop.integrations.social.text import MASTODON_LIMIT, mastodon_length


class MastodonPoster:
    """The city's account on one Mastodon server, authorised by an access token with `write:statuses`."""

    network = "mastodon"
    limit = MASTODON_LIMIT

    def __init__(self, base_url: str, access_token: str, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    def count(self, text: str) -> int:
        return mastodon_length(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        """Publish a public status; the same `idempotency_key` within an hour returns the same status.

        `link` and `created_at` are not needed here: Mastodon links URLs itself and dates the status.
        """
        what = "Mastodon status"
        response = http_request(
            self._http,
            "POST",
            f"{self.base_url}/api/v1/statuses",
            timeout=self.timeout,
            what=what,
            headers={"Authorization": f"Bearer {self.access_token}", "Idempotency-Key": idempotency_key},
            json={"status": text, "visibility": "public", "language": language},
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
    if response.status_code == 422:
        return "rejected"
    if response.status_code == 429:
        return "rate_limited"
    return ""
