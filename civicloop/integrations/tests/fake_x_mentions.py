"""A local X API v2 server speaking enough of `GET /2/users/:id/mentions` to exercise polling for real:
bearer tokens, `since_id`, `max_results` (5 to 100), `pagination_token` and `meta.next_token`, newest
first, only the `tweet.fields` asked for (X answers `id` and `text` alone otherwise), `expansions=author_id`
putting the authors in `includes.users`, and 429 with `x-rate-limit-reset` when told to fail.

Residents' tweets are made with `resident_tweets`; `v1_tweet` gives the same tweet as the Account Activity
webhook delivers it (v1.1 shape), so a test can deliver one tweet both ways.

    with FakeXMentions() as x:
        reader = XMentionsReader(x.url, x.user_id, x.bearer_token)
        x.resident_tweets("@chicago the bike lane is blocked", in_reply_to=city_tweet_id)
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from civicloop.integrations.tests.fake_mastodon import FailureKind, FakeApiServer, FakeReply, FakeRequest

_MENTIONS = re.compile(r"^/2/users/(?P<user_id>[0-9]+)/mentions$")
V1_TIME = "%a %b %d %H:%M:%S +0000 %Y"


@dataclass
class FakeTweet:
    id: str
    text: str
    author_id: str
    username: str
    created_at: datetime
    conversation_id: str
    in_reply_to_id: str = ""
    in_reply_to_user_id: str = ""
    lang: str = "en"


class FakeXMentions(FakeApiServer):
    def __init__(
        self,
        *,
        user_id: str = "1500000000000000001",
        username: str = "chicago",
        bearer_token: str = "x-bearer",
    ) -> None:
        super().__init__()
        self.user_id = user_id
        self.username = username
        self.bearer_token = bearer_token
        self.tweets: list[FakeTweet] = []  # oldest first
        self._next_id = 1_800_000_000_000_000_000

    def _new_id(self) -> str:
        self._next_id += 1_000_003
        return str(self._next_id)

    def city_tweets(self, text: str) -> FakeTweet:
        """The city's own tweet (X lists it nowhere in the mentions unless it names the account)."""
        return self._tweet(text, author_id=self.user_id, username=self.username)

    def resident_tweets(
        self,
        text: str,
        *,
        author_id: str = "44196397",
        username: str = "ana_chi",
        in_reply_to: FakeTweet | None = None,
        lang: str = "en",
    ) -> FakeTweet:
        """A resident's tweet: a reply (in its parent's conversation) or a new one."""
        return self._tweet(text, author_id=author_id, username=username, in_reply_to=in_reply_to, lang=lang)

    def _tweet(
        self,
        text: str,
        *,
        author_id: str,
        username: str,
        in_reply_to: FakeTweet | None = None,
        lang: str = "en",
    ) -> FakeTweet:
        with self._lock:
            tweet_id = self._new_id()
            tweet = FakeTweet(
                id=tweet_id,
                text=text,
                author_id=author_id,
                username=username,
                created_at=datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5),
                conversation_id=in_reply_to.conversation_id if in_reply_to else tweet_id,
                in_reply_to_id=in_reply_to.id if in_reply_to else "",
                in_reply_to_user_id=in_reply_to.author_id if in_reply_to else "",
                lang=lang,
            )
            self.tweets.append(tweet)
            return tweet

    def _mentions_city(self, tweet: FakeTweet) -> bool:
        return tweet.in_reply_to_user_id == self.user_id or f"@{self.username}" in tweet.text

    def v1_tweet(self, tweet: FakeTweet) -> dict[str, Any]:
        """The tweet as the Account Activity webhook delivers it (API v1.1)."""
        mentions = (
            [{"id_str": self.user_id, "screen_name": self.username}] if self._mentions_city(tweet) else []
        )
        return {
            "created_at": tweet.created_at.strftime(V1_TIME),
            "id": int(tweet.id),
            "id_str": tweet.id,
            "text": tweet.text,
            "truncated": False,
            "in_reply_to_status_id_str": tweet.in_reply_to_id or None,
            "in_reply_to_user_id_str": tweet.in_reply_to_user_id or None,
            "user": {"id": int(tweet.author_id), "id_str": tweet.author_id, "screen_name": tweet.username},
            "entities": {"user_mentions": mentions, "urls": [], "hashtags": []},
            "lang": tweet.lang,
        }

    def _v2(self, tweet: FakeTweet, fields: set[str], with_author: bool) -> dict[str, Any]:
        shown: dict[str, Any] = {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}
        if with_author or "author_id" in fields:
            shown["author_id"] = tweet.author_id
        if "created_at" in fields:
            shown["created_at"] = tweet.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "conversation_id" in fields:
            shown["conversation_id"] = tweet.conversation_id
        if "in_reply_to_user_id" in fields and tweet.in_reply_to_user_id:
            shown["in_reply_to_user_id"] = tweet.in_reply_to_user_id
        if "referenced_tweets" in fields and tweet.in_reply_to_id:
            shown["referenced_tweets"] = [{"type": "replied_to", "id": tweet.in_reply_to_id}]
        if "lang" in fields:
            shown["lang"] = tweet.lang
        return shown

    def failure_reply(self, kind: FailureKind) -> FakeReply:
        if kind == "rate_limit":
            reset = int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())
            headers = {
                "x-rate-limit-limit": "10",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            }
            return FakeReply(429, {"title": "Too Many Requests", "status": 429}, headers)
        return super().failure_reply(kind)

    def respond(self, request: FakeRequest) -> FakeReply:
        match = _MENTIONS.match(request.path)
        if request.method != "GET" or match is None:
            return FakeReply(404, {"title": "Not Found Error", "status": 404})
        if request.headers.get("authorization") != f"Bearer {self.bearer_token}":
            return FakeReply(401, {"title": "Unauthorized", "status": 401})
        if match["user_id"] != self.user_id:
            return FakeReply(404, {"title": "Not Found Error", "status": 404})
        query = request.query
        try:
            page_size = int(query.get("max_results", "10"))
            since = int(query["since_id"]) if "since_id" in query else 0
            start = int(query.get("pagination_token", "0") or 0)
        except ValueError:
            return FakeReply(400, {"title": "Invalid Request", "status": 400})
        if not 5 <= page_size <= 100:
            return FakeReply(400, {"title": "Invalid Request", "status": 400})
        fields = set(filter(None, query.get("tweet.fields", "").split(",")))
        with_author = "author_id" in query.get("expansions", "").split(",")
        with self._lock:
            newest_first = [
                tweet
                for tweet in reversed(self.tweets)
                if tweet.author_id != self.user_id and self._mentions_city(tweet) and int(tweet.id) > since
            ]
        page = newest_first[start : start + page_size]
        if not page:
            return FakeReply(200, {"meta": {"result_count": 0}})
        meta: dict[str, Any] = {"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[-1].id}
        if start + page_size < len(newest_first):
            meta["next_token"] = str(start + page_size)
        body: dict[str, Any] = {
            "data": [self._v2(tweet, fields, with_author) for tweet in page],
            "meta": meta,
        }
        if with_author:
            users = {tweet.author_id: tweet.username for tweet in page}
            body["includes"] = {
                "users": [{"id": uid, "username": name, "name": name.title()} for uid, name in users.items()]
            }
        return FakeReply(200, body)
