"""Meta's Graph API, as the Facebook Page and Instagram publishers use it: requests, and errors mapped.

Graph answers errors as `{"error": {"message", "type", "code", "error_subcode", "is_transient",
"fbtrace_id"}}`, mostly with HTTP 400 whatever the cause, so the error code decides, not the status:

- throttling (codes 4 app, 17 user, 32 page, 613 custom, 80001 page business-use-case; Instagram's
  9 publishing limit) → transient, with the wait from Retry-After or the usage headers when given;
- 1 and 2 (temporary), `is_transient`, 9007 (an Instagram container not ready yet), HTTP 5xx → transient;
- anything else (190 invalid token, 10/200 permissions, 100 invalid parameter, 506 duplicate) → permanent.
"""

import json
from typing import Any

import requests

from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError
from civicloop.integrations.social.base import (
    MAX_RETRY_AFTER_SECONDS,
    USER_AGENT,
    http_request,
    json_object,
    retry_after_seconds,
)

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
RATE_LIMIT_CODES = frozenset({4, 9, 17, 32, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2, 9007})
UNAUTHORIZED_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
DUPLICATE_CODE = 506
# Headers in which Graph says, in minutes, when a throttled app, page or account may call again.
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage")


class GraphClient:
    """Calls to one Graph API version with one access token (sent as a Bearer header, never in the URL)."""

    def __init__(self, graph_url: str, access_token: str, *, timeout: float = 10) -> None:
        self.graph_url = (graph_url or DEFAULT_GRAPH_URL).rstrip("/")
        self.access_token = access_token
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    def get(self, path: str, params: dict[str, str], *, what: str) -> dict[str, Any]:
        return self._call("GET", path, what=what, params=params)

    def post(self, path: str, data: dict[str, str], *, what: str) -> dict[str, Any]:
        return self._call("POST", path, what=what, data=data)

    def _call(self, method: str, path: str, *, what: str, **kwargs: Any) -> dict[str, Any]:
        response = http_request(
            self._http,
            method,
            f"{self.graph_url}/{path.lstrip('/')}",
            timeout=self.timeout,
            what=what,
            headers={"Authorization": f"Bearer {self.access_token}"},
            **kwargs,
        )
        if response.status_code != 200:
            raise graph_error(response, what=what)
        return json_object(response, what=what)


def graph_error(response: requests.Response, *, what: str) -> ProviderError:
    """The ProviderError a failed Graph answer means (see the module's docstring)."""
    status = response.status_code
    error = _error_body(response)
    code = error.get("code")
    message = f"{what}: HTTP {status}"
    if isinstance(error.get("message"), str):
        message += f", {error['message']}"
    if code in RATE_LIMIT_CODES or status == 429:
        return TransientProviderError(
            message, raw=response.text, code="rate_limited", retry_after=graph_retry_after(response.headers)
        )
    if status >= 500 or code in TRANSIENT_CODES or error.get("is_transient") is True:
        return TransientProviderError(
            message,
            raw=response.text,
            code=str(code or status),
            retry_after=retry_after_seconds(response.headers),
        )
    if code in UNAUTHORIZED_CODES or status == 401:
        return PermanentProviderError(message, raw=response.text, code="unauthorized")
    if code in PERMISSION_CODES or status == 403:
        return PermanentProviderError(message, raw=response.text, code="forbidden")
    if code == DUPLICATE_CODE:
        return PermanentProviderError(message, raw=response.text, code="duplicate")
    return PermanentProviderError(message, raw=response.text, code=str(code or status))


def graph_retry_after(headers: Any) -> float | None:
    """Seconds until Graph lets us call again: Retry-After, else the longest usage header estimate."""
    plain = retry_after_seconds(headers)
    if plain is not None:
        return plain
    lowered = {str(key).lower(): str(value) for key, value in headers.items()}
    minutes = [minute for name in USAGE_HEADERS for minute in _regain_minutes(lowered.get(name, ""))]
    if not minutes:
        return None
    return min(max(minutes) * 60.0, MAX_RETRY_AFTER_SECONDS)


def _regain_minutes(value: str) -> list[float]:
    """`estimated_time_to_regain_access` values (minutes) anywhere in a usage header's JSON."""
    try:
        parsed = json.loads(value) if value else None
    except ValueError:
        return []
    found: list[float] = []
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            regain = item.get("estimated_time_to_regain_access")
            if isinstance(regain, int | float) and not isinstance(regain, bool):
                found.append(float(regain))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
