"""Meta's Graph API, as the Facebook Page and Instagram publishers use it: requests, and errors mapped.

Graph answers errors as `{"error": {"message", "type", "code", "error_subcode", "is_transient",
"fbtrace_id"}}`, mostly with HTTP 400 whatever the cause, so the error code decides, not the status:

- throttling (codes 4 app, 17 user, 32 page, 613 custom, 80001 page business-use-case; Instagram's
  9 publishing limit) → transient, with the wait from Retry-After or the usage headers when given;
- 1 and 2 (temporary), `is_transient`, 9007 (an Instagram container not ready yet), HTTP 5xx → transient;
- anything else (190 invalid token, 10/200 permissions, 100 invalid parameter, 506 duplicate) → permanent.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError
from civicloop.integrations.social.base import (
    MAX_RETRY_AFTER_SECONDS,
    USER_AGENT,
    SocialMentions,
    SocialPostResult,
    SocialReplyTarget,
    http_request,
    json_object,
    retry_after_seconds,
)
from civicloop.integrations.social.text import meta_length

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


# A reply found under the comment since the reply was stored (less this slack) is the earlier attempt's.
REPLY_LOOKBACK_SLACK = timedelta(minutes=5)
REPLIES_PAGE = 100
MESSAGES_PAGE = 25  # a conversation's latest messages read back before a message is sent
HUMAN_AGENT_TAG = "HUMAN_AGENT"


class MetaReplies:
    """Answering residents from the city's Page or Instagram account: a public reply under their comment,
    a private reply to a comment (one message to its author, `recipient: {comment_id}`), or a message in
    their private conversation (`recipient: {id}`, tagged HUMAN_AGENT after the first 24 hours).

    Idempotency: Graph has no idempotency key. Before a public reply, the comment's replies are read
    (one page of 100), and before a message the resident's conversation with the account (its latest
    messages, Graph's Conversations API); one the account wrote since the reply was stored with exactly
    this text is returned as the earlier attempt, so a retry after a lost answer (a timeout after Graph
    took it) sends nothing again. A private reply to a comment is not read back: Graph itself takes one
    per comment and refuses a second. Not polled for mentions: comments and messages come by webhook
    (`mentions` is empty).
    """

    network: str
    limit: int
    # The edge a public reply is posted to: Facebook "comments", Instagram "replies".
    reply_edge: str
    # Which inbox the Conversations API reads: "messenger" or "instagram".
    conversations_platform: str

    def __init__(self, account_id: str, messages_node: str, graph: GraphClient) -> None:
        self.account_id = account_id
        self.messages_node = messages_node
        self._graph = graph

    @property
    def account(self) -> str:
        return f"{self._graph.graph_url}#{self.account_id}"

    def count(self, text: str) -> int:
        return meta_length(text)

    def reply_text(self, text: str, target: SocialReplyTarget) -> str:
        return text  # Meta notifies the commenter of a reply under their comment; no @name needed

    def mentions(self, *, since: str) -> SocialMentions:
        return SocialMentions(mentions=[], position=since)

    def comment_to_answer(self, target: SocialReplyTarget) -> str:
        return target.remote_id

    def reply(
        self,
        *,
        text: str,
        target: SocialReplyTarget,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        """Answer `target` as its kind says; `idempotency_key` is not sent (see the class's docstring)."""
        if target.kind == "message":
            earlier = self.earlier_message(recipient=target.recipient_id, text=text, created_at=created_at)
            if earlier is not None:
                return earlier
            return self._message({"id": target.recipient_id}, text, human_agent=target.human_agent)
        if target.private:
            return self._message({"comment_id": target.remote_id}, text, human_agent=False)
        comment = self.comment_to_answer(target)
        earlier = self.earlier_reply(comment=comment, text=text, created_at=created_at)
        if earlier is not None:
            return earlier
        what = f"{self.network} comment reply"
        body = self._graph.post(f"{comment}/{self.reply_edge}", {"message": text}, what=what)
        reply_id = body.get("id")
        if not isinstance(reply_id, str) or not reply_id:
            raise TransientProviderError(f"{what}: answer lacks an id", raw=str(body)[:500], code="garbage")
        return SocialPostResult(remote_id=reply_id, remote_url="")

    def earlier_reply(self, *, comment: str, text: str, created_at: datetime) -> SocialPostResult | None:
        """The account's reply under `comment` with exactly `text`, made since `created_at` (less slack)."""
        body = self._graph.get(
            f"{comment}/{self.reply_edge}",
            {"fields": "id,message,from,created_time,timestamp", "limit": str(REPLIES_PAGE)},
            what=f"{self.network} comment replies",
        )
        items = body.get("data")
        return self._own_item(items if isinstance(items, list) else [], text, created_at)

    def earlier_message(self, *, recipient: str, text: str, created_at: datetime) -> SocialPostResult | None:
        """The account's message to `recipient` with exactly `text`, sent since `created_at` (less slack),
        from the latest messages of their conversation with the account."""
        body = self._graph.get(
            f"{self.messages_node}/conversations",
            {
                "platform": self.conversations_platform,
                "user_id": recipient,
                "fields": f"messages.limit({MESSAGES_PAGE}){{id,message,from,created_time}}",
            },
            what=f"{self.network} conversation",
        )
        threads = body.get("data")
        for thread in threads if isinstance(threads, list) else []:
            messages = thread.get("messages") if isinstance(thread, dict) else None
            items = messages.get("data") if isinstance(messages, dict) else None
            found = self._own_item(items if isinstance(items, list) else [], text, created_at)
            if found is not None:
                return found
        return None

    def _own_item(self, items: list[Any], text: str, created_at: datetime) -> SocialPostResult | None:
        """Among Graph's `items` (replies or messages), the account's with exactly `text`, made since
        `created_at` less the slack for clocks."""
        since = created_at - REPLY_LOOKBACK_SLACK
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            author = item.get("from")
            mine = isinstance(author, dict) and str(author.get("id", "")) == self.account_id
            if mine and str(item.get("message", "")).strip() == text.strip() and _graph_time(item) >= since:
                return SocialPostResult(remote_id=item["id"], remote_url="")
        return None

    def _message(self, recipient: dict[str, str], text: str, *, human_agent: bool) -> SocialPostResult:
        what = f"{self.network} message"
        data = {"recipient": json.dumps(recipient), "message": json.dumps({"text": text})}
        if human_agent:
            data.update(messaging_type="MESSAGE_TAG", tag=HUMAN_AGENT_TAG)
        else:
            data["messaging_type"] = "RESPONSE"
        body = self._graph.post(f"{self.messages_node}/messages", data, what=what)
        message_id = body.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            raise TransientProviderError(f"{what}: answer lacks an id", raw=str(body)[:500], code="garbage")
        return SocialPostResult(remote_id=message_id, remote_url="")


def _graph_time(item: dict[str, Any]) -> datetime:
    # Facebook says created_time, Instagram timestamp, both as 2026-04-01T15:00:00+0000.
    try:
        written = str(item.get("created_time") or item.get("timestamp"))
        return datetime.strptime(written, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unknown: never taken for the earlier attempt
