"""A local X API v2 server speaking enough of posting and reading an account's posts to exercise the
adapter for real:

- `POST /2/tweets` (JSON `{"text"}`, OAuth 2.0 user token as Bearer) → 201 `{"data": {"id", "text"}}`;
  text over 280 weighted characters → 400; the same text as one of the account's posts → 403
  "duplicate content", as X answers; with `reply: {"in_reply_to_tweet_id"}` it is a reply (read back in
  `referenced_tweets` as "replied_to");
- `GET /2/users/:id/tweets` with `start_time`, `max_results`, `tweet.fields` → newest first; links in the
  text come back rewritten to t.co, with `entities.urls[].expanded_url` keeping the address posted.
- Rate limited (`fail_next("rate_limit")`): 429 with `x-rate-limit-reset` (a Unix time) as X sends it.
- `POST /2/oauth2/token` (form: grant_type=refresh_token, refresh_token, client_id; a confidential client
  by HTTP Basic) → `{"token_type", "expires_in": 7200, "access_token", "scope", "refresh_token"}`: a new
  user token and a new refresh token (the old one is spent: used again → 400 invalid_request, as X
  answers); `expire_token()` makes the current user token answer 401 as an expired one does.

    with FakeX() as x:
        poster = XPoster(x.access_token, x.user_id, x.url)
"""

import base64
import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import regex

from civicloop.integrations.tests.fake_mastodon import FailureKind, FakeApiServer, FakeReply, FakeRequest

# The server's own count, written apart from the adapter's: links 23, emoji 2, and code points 1 in
# twitter-text's light ranges, else 2.
_LINK = regex.compile(r"https?://\S+")
_CLUSTER = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
LIGHT = [(0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037)]


def x_characters(text: str) -> int:
    total = 0
    for cluster in _CLUSTER.findall(_LINK.sub("_" * 23, text)):
        if _EMOJI.search(cluster):
            total += 2
        else:
            total += sum(1 if any(low <= ord(c) <= high for low, high in LIGHT) else 2 for c in cluster)
    return total


def problem(status: int, title: str, detail: str, **extra: Any) -> FakeReply:
    return FakeReply(
        status, {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}
    )


@dataclass
class Post:
    id: str
    text: str  # as posted
    created_at: datetime
    in_reply_to: str = ""

    def json(self, fields: set[str]) -> dict[str, Any]:
        shown = self.text
        urls = []
        for number, match in enumerate(_LINK.finditer(self.text)):
            short = f"https://t.co/{self.id[-6:]}{number}"
            shown = shown.replace(match.group(), short, 1)
            urls.append({"url": short, "expanded_url": match.group(), "display_url": match.group()[8:38]})
        item: dict[str, Any] = {"id": self.id, "text": shown, "edit_history_tweet_ids": [self.id]}
        if "created_at" in fields:
            item["created_at"] = self.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "referenced_tweets" in fields and self.in_reply_to:
            item["referenced_tweets"] = [{"type": "replied_to", "id": self.in_reply_to}]
        if "entities" in fields and urls:
            for entry in urls:
                start = shown.index(entry["url"])
                entry.update(start=start, end=start + len(entry["url"]))
            item["entities"] = {"urls": urls}
        return item


class FakeX(FakeApiServer):
    """The city's X account: its posts, a Bearer user token, limits and duplicate refusal."""

    def __init__(self, *, access_token: str = "x-user-token", user_id: str = "1500000000000000001") -> None:
        super().__init__()
        self.access_token = access_token
        self.user_id = user_id
        self.posts: list[Post] = []
        self.rate_limit_reset_in = 900
        self._ids = itertools.count(1_800_000_000_000_000_001)
        # The OAuth 2.0 app: its client, and the one refresh token not yet spent.
        self.client_id = "x-client-id"
        self.client_secret = "x-client-secret"
        self.refresh_token = "x-refresh-1"
        self.refreshes = 0

    def expire_token(self) -> None:
        self.access_token = f"{self.access_token}-expired"

    def _token(self, request: FakeRequest) -> FakeReply:
        form = request.form()
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != expected or form.get("client_id") != self.client_id:
            return FakeReply(401, {"error": "unauthorized_client"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return FakeReply(
                400,
                {"error": "invalid_request", "error_description": "Value passed for the token was invalid."},
            )
        self.refreshes += 1
        self.access_token = f"x-user-token-{self.refreshes + 1}"
        self.refresh_token = f"x-refresh-{self.refreshes + 1}"
        return FakeReply(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": self.access_token,
                "scope": "tweet.write tweet.read users.read offline.access",
                "refresh_token": self.refresh_token,
            },
        )

    def failure_reply(self, kind: FailureKind) -> FakeReply:
        if kind == "rate_limit":
            reply = problem(429, "Too Many Requests", "Too Many Requests")
            reply.headers.update(
                {
                    "x-rate-limit-limit": "100",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(int(time.time()) + self.rate_limit_reset_in),
                }
            )
            return reply
        if kind == "server_error":
            return problem(503, "Service Unavailable", "Service Unavailable")
        return super().failure_reply(kind)

    def respond(self, request: FakeRequest) -> FakeReply:
        if request.method == "POST" and request.path == "/2/oauth2/token":
            return self._token(request)
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return problem(401, "Unauthorized", "Unauthorized")
        if request.method == "POST" and request.path == "/2/tweets":
            return self._create(request)
        if request.method == "GET" and request.path == f"/2/users/{self.user_id}/tweets":
            return self._timeline(request)
        return problem(404, "Not Found Error", f"Could not find {request.path}")

    def _create(self, request: FakeRequest) -> FakeReply:
        body = request.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        if x_characters(text) > 280:
            return problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                errors=[{"message": "Your Tweet text is too long."}],
            )
        if any(post.text == text for post in self.posts):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        reply = body.get("reply")
        in_reply_to = str(reply.get("in_reply_to_tweet_id", "")) if isinstance(reply, dict) else ""
        post = Post(str(next(self._ids)), text, datetime.now(UTC), in_reply_to)
        self.posts.append(post)
        return FakeReply(201, {"data": {"id": post.id, "text": post.json(set())["text"]}})

    def _timeline(self, request: FakeRequest) -> FakeReply:
        posts = list(reversed(self.posts))
        if request.query.get("start_time"):
            start = datetime.fromisoformat(request.query["start_time"].replace("Z", "+00:00"))
            posts = [post for post in posts if post.created_at >= start]
        limit = int(request.query.get("max_results") or 10)
        if not 5 <= limit <= 100:
            return problem(400, "Invalid Request", "max_results must be between 5 and 100")
        fields = set(request.query.get("tweet.fields", "").split(","))
        data = [post.json(fields) for post in posts[:limit]]
        meta = {"result_count": len(data)}
        return FakeReply(200, {"data": data, "meta": meta} if data else {"meta": meta})
