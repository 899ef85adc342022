"""The city's X account: posting with the X API v2 (`POST /2/tweets`), authorised by an OAuth 2.0 user access
token (scopes `tweet.write tweet.read users.read`) sent as a Bearer token.

Idempotency: X has no idempotency key, but refuses a post whose text repeats one of the account's recent
posts (HTTP 403, "duplicate content"). On that refusal, and before any attempt made more than a minute
after the row was queued (a retry: the first attempt may have posted and lost its answer), the adapter
reads the account's posts since the row was queued (`GET /2/users/:id/tweets?start_time=`, 100 at most)
and returns one that links to the same announcement (X rewrites links to t.co; `entities.urls` keeps the
expanded address) or has the same text. Reads are billed per call, so a first attempt does not read.
Limits: a post made by hand linking the same announcement would be taken for ours.

Errors: 429 is transient, waiting until `x-rate-limit-reset`; 5xx transient; 401 (token expired or
revoked) and other 4xx permanent. With a refreshable token (`x_tokens.XTokens`), a 401 is met with one
refresh and the same request again.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError
from civicloop.integrations.social.base import (
    USER_AGENT,
    SocialMentions,
    SocialPostResult,
    SocialReplyTarget,
    error_for_status,
    http_request,
    json_object,
    retry_after_seconds,
)
from civicloop.integrations.social.text import X_LIMIT, x_length
from civicloop.integrations.social.x_tokens import XTokens

DEFAULT_API_URL = "https://api.x.com"
WEB_URL = "https://x.com"
# An attempt this long after queueing is a retry, worth a read to find the earlier attempt's post.
RETRY_LOOKUP_AFTER = timedelta(minutes=1)
LOOKBACK_SLACK = timedelta(minutes=5)
TWEETS_PAGE = 100


class XPoster:
    """The city's account on X (its numeric user id), posting with a user access token."""

    network = "x"
    limit = X_LIMIT

    def __init__(
        self,
        access_token: str,
        user_id: str,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 10,
        *,
        web_url: str = WEB_URL,
        tokens: XTokens | None = None,
    ) -> None:
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.access_token = access_token
        # Where a refreshed token comes from (None: `access_token` is used as it is).
        self.tokens = tokens
        self.user_id = user_id
        self.timeout = timeout
        self.web_url = web_url.rstrip("/")
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    @property
    def account(self) -> str:
        return f"{self.api_url}#{self.user_id}"

    def count(self, text: str) -> int:
        return x_length(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        """Post `text`; a retry first looks for the earlier attempt's post (see the module's docstring)."""
        if datetime.now(UTC) - created_at > RETRY_LOOKUP_AFTER:
            earlier = self.earlier_post(text=text, link=link, created_at=created_at)
            if earlier is not None:
                return earlier
        what = "X post"
        response = self._call(
            "POST",
            f"{self.api_url}/2/tweets",
            what=what,
            json={"text": text},
        )
        if response.status_code in (200, 201):
            data = json_object(response, what=what).get("data")
            post_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(post_id, str) or not post_id:
                raise TransientProviderError(f"{what}: answer lacks an id", raw=response.text, code="garbage")
            return self._result(post_id)
        error = _x_error(response, what=what)
        if error.code == "duplicate":
            earlier = self.earlier_post(text=text, link=link, created_at=created_at)
            if earlier is not None:
                return earlier
        raise error

    def _posts_since(self, created_at: datetime, *, fields: str) -> list[Any]:
        """The account's latest posts since `created_at` (less slack): one page, for finding our own."""
        what = "X posts"
        start = (created_at - LOOKBACK_SLACK).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = self._call(
            "GET",
            f"{self.api_url}/2/users/{self.user_id}/tweets",
            what=what,
            params={"start_time": start, "max_results": str(TWEETS_PAGE), "tweet.fields": fields},
        )
        if response.status_code != 200:
            raise _x_error(response, what=what)
        items = json_object(response, what=what).get("data")
        return items if isinstance(items, list) else []

    def earlier_post(self, *, text: str, link: str, created_at: datetime) -> SocialPostResult | None:
        """The account's post since `created_at` (less slack) linking to `link` or with exactly `text`."""
        for item in self._posts_since(created_at, fields="created_at,entities"):
            if isinstance(item, dict) and isinstance(item.get("id"), str) and _is_ours(item, text, link):
                return self._result(item["id"])
        return None

    def _result(self, post_id: str) -> SocialPostResult:
        # /i/web/status/<id> opens a post without knowing the account's handle.
        return SocialPostResult(remote_id=post_id, remote_url=f"{self.web_url}/i/web/status/{post_id}")

    def _call(self, method: str, url: str, *, what: str, **kwargs: Any) -> requests.Response:
        """One request with the account's token; with a refreshable token, a 401 gets one refresh and the
        same request again (X's user tokens last two hours)."""
        token = self.tokens.current() if self.tokens is not None else self.access_token
        response = http_request(
            self._http, method, url, timeout=self.timeout, what=what, headers=_bearer(token), **kwargs
        )
        if response.status_code == 401 and self.tokens is not None and self.tokens.refreshable:
            token = self.tokens.refresh(rejected=token)
            response = http_request(
                self._http, method, url, timeout=self.timeout, what=what, headers=_bearer(token), **kwargs
            )
        return response


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _is_ours(item: dict[str, Any], text: str, link: str) -> bool:
    if str(item.get("text", "")).strip() == text.strip():
        return True
    entities = item.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for url in urls if isinstance(urls, list) else []:
        if isinstance(url, dict) and link in (url.get("expanded_url"), url.get("unwound_url")):
            return True
    return False


def _x_error(response: requests.Response, *, what: str) -> ProviderError:
    """X's problem answers (`{"title", "detail", "type", "status"}`) as ProviderErrors."""
    status = response.status_code
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = str(body.get("detail") or body.get("title") or "")
    message = f"{what}: HTTP {status}" + (f", {detail}" if detail else "")
    if status == 429:
        # X says when the window resets in x-rate-limit-reset (a Unix time).
        headers = {"ratelimit-reset": response.headers.get("x-rate-limit-reset", ""), **response.headers}
        return TransientProviderError(
            message, raw=response.text, code="rate_limited", retry_after=retry_after_seconds(headers)
        )
    if status == 401:
        return PermanentProviderError(message, raw=response.text, code="unauthorized")
    if status == 403 and "duplicate" in detail.lower():
        return PermanentProviderError(message, raw=response.text, code="duplicate")
    if status == 403:
        return PermanentProviderError(message, raw=response.text, code="forbidden")
    return error_for_status(response, what=f"{what} ({detail})" if detail else what)


class XReplies(XPoster):
    """Answering residents on X: a post with `reply.in_reply_to_tweet_id` (X threads it and tells the
    author; no @handle is needed in the text), within X's 280 weighted characters.

    Idempotency as for posts: on X's duplicate refusal, and on an attempt made more than a minute after the
    reply was stored (a retry), the account's posts since then are read and one replying to the same post
    with exactly this text is returned. Not polled here: X mentions are read by `x_events`.
    """

    def reply_text(self, text: str, target: SocialReplyTarget) -> str:
        return text

    def mentions(self, *, since: str) -> SocialMentions:
        return SocialMentions(mentions=[], position=since)

    def reply(
        self,
        *,
        text: str,
        target: SocialReplyTarget,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        if datetime.now(UTC) - created_at > RETRY_LOOKUP_AFTER:
            earlier = self.earlier_reply(text=text, target=target, created_at=created_at)
            if earlier is not None:
                return earlier
        what = "X reply"
        response = self._call(
            "POST",
            f"{self.api_url}/2/tweets",
            what=what,
            json={"text": text, "reply": {"in_reply_to_tweet_id": target.remote_id}},
        )
        if response.status_code in (200, 201):
            data = json_object(response, what=what).get("data")
            post_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(post_id, str) or not post_id:
                raise TransientProviderError(f"{what}: answer lacks an id", raw=response.text, code="garbage")
            return self._result(post_id)
        error = _x_error(response, what=what)
        if error.code == "duplicate":
            earlier = self.earlier_reply(text=text, target=target, created_at=created_at)
            if earlier is not None:
                return earlier
        raise error

    def earlier_reply(
        self, *, text: str, target: SocialReplyTarget, created_at: datetime
    ) -> SocialPostResult | None:
        """The account's post since `created_at` (less slack) replying to `target` with exactly `text`."""
        for item in self._posts_since(created_at, fields="created_at,referenced_tweets"):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            if str(item.get("text", "")).strip() == text.strip() and _replies_to(item, target.remote_id):
                return self._result(item["id"])
        return None


def _replies_to(item: dict[str, Any], post_id: str) -> bool:
    referenced = item.get("referenced_tweets")
    return any(
        isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id") == post_id
        for ref in (referenced if isinstance(referenced, list) else [])
    )
