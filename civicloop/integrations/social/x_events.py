"""Listening on X: the Account Activity webhook (its CRC check, its signature, its tweet events) and, where
the city's API tier has no webhooks, polling the account's mentions (X API v2 `GET /2/users/:id/mentions`).
Both give `SocialMention`s with the tweet id as `remote_id`, so a tweet seen by both is stored once.

Signatures: the CRC answer is `sha256=` + base64(HMAC-SHA256(consumer secret, crc_token)); each event POST
carries `x-twitter-webhooks-signature` made the same way over the raw body. Event bodies are
`{"for_user_id": ..., "tweet_create_events": [v1.1 tweet, ...]}`: `id_str`, `text` or `full_text` (or
`extended_tweet.full_text`), `user{id_str, screen_name}`, `in_reply_to_status_id_str`, `created_at` like
"Wed Oct 10 20:19:24 +0000 2018", `entities.user_mentions`. The city's own tweets and retweets are ignored.

Polling reads from `since_id` (the newest tweet id seen): newest first, `pagination_token` for older pages;
the first poll reads the latest page only. The thread is the tweet's `conversation_id` (its chain's root).
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings

from civicloop.integrations.social.base import (
    USER_AGENT,
    SocialMention,
    SocialMentions,
    error_for_status,
    http_request,
    json_object,
)

NETWORK = "x"
SIGNATURE_PREFIX = "sha256="
MAX_BODY_BYTES = 1_000_000  # an Account Activity delivery is a few tweets, far below this
DEFAULT_API_URL = "https://api.x.com"
MENTIONS_PAGE = 100  # the largest page X serves
# A poll reads at most this many pages (1,000 mentions); a longer backlog keeps its newest.
MENTIONS_MAX_PAGES = 10
TWEET_FIELDS = "created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang"
V1_TIME = "%a %b %d %H:%M:%S %z %Y"


class XEventsInvalid(ValueError):
    """The body is not an Account Activity body (not JSON, or not shaped like one)."""


def _hmac_base64(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return SIGNATURE_PREFIX + base64.b64encode(digest).decode("ascii")


def x_crc_response_token(crc_token: str, *, consumer_secret: str) -> str:
    """The `response_token` that proves to X the webhook is ours."""
    return _hmac_base64(consumer_secret, crc_token.encode())


def x_signature(body: bytes, *, consumer_secret: str) -> str:
    """The x-twitter-webhooks-signature X sends with `body`."""
    return _hmac_base64(consumer_secret, body)


def x_signature_valid(body: bytes, header: str, *, consumer_secret: str) -> bool:
    """True when `header` is X's signature of exactly these bytes (never without a secret)."""
    if not consumer_secret or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(header.encode(), x_signature(body, consumer_secret=consumer_secret).encode())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(container: Any, name: str) -> list[Any]:
    """The list `container[name]`, or [] when either is missing or not what X sends."""
    value = _mapping(container).get(name)
    return value if isinstance(value, list) else []


def tweet_url(tweet_id: str, handle: str = "") -> str:
    return f"https://x.com/{handle or 'i/web'}/status/{tweet_id}"


def _v1_time(value: Any, fallback: datetime) -> datetime:
    try:
        return datetime.strptime(_text(value), V1_TIME)
    except ValueError:
        return fallback


def _v1_mention(tweet: dict[str, Any], city_user_id: str, fallback: datetime) -> SocialMention | None:
    """A v1.1 tweet that replies to or mentions the city, by someone else; None otherwise."""
    user = _mapping(tweet.get("user"))
    tweet_id, author_id = _text(tweet.get("id_str")), _text(user.get("id_str"))
    if not tweet_id or not author_id or author_id == city_user_id or "retweeted_status" in tweet:
        return None
    mentioned = {
        _text(_mapping(mention).get("id_str")) for mention in _items(tweet.get("entities"), "user_mentions")
    }
    if _text(tweet.get("in_reply_to_user_id_str")) != city_user_id and city_user_id not in mentioned:
        return None
    text = _text(_mapping(tweet.get("extended_tweet")).get("full_text")) or _text(
        tweet.get("full_text") or tweet.get("text")
    )
    handle = _text(user.get("screen_name"))
    return SocialMention(
        remote_id=tweet_id,
        remote_url=tweet_url(tweet_id, handle),
        author_id=author_id,
        author_handle=handle,
        text=text,
        created_at=_v1_time(tweet.get("created_at"), fallback),
        position=tweet_id,
        in_reply_to_id=_text(tweet.get("in_reply_to_status_id_str")),
        language=_text(tweet.get("lang")) if tweet.get("lang") != "und" else "",
    )


@dataclass(frozen=True)
class XWebhookEvents:
    mentions: list[SocialMention]
    ignored: int  # other events, other accounts, the city's own tweets


def x_events_parse(body: bytes, *, user_id: str) -> XWebhookEvents:
    """The residents' replies and mentions in a (signature-checked) Account Activity body for the city's
    account `user_id`; raises XEventsInvalid when the body is not one."""
    if len(body) > MAX_BODY_BYTES:
        raise XEventsInvalid("body too large")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise XEventsInvalid("body is not JSON") from error
    if not isinstance(payload, dict):
        raise XEventsInvalid("body is not an object")
    tweets = payload.get("tweet_create_events")
    tweets = [] if tweets is None else tweets  # favourites, follows, DMs…: nothing for the inbox
    if not isinstance(tweets, list) or any(not isinstance(tweet, dict) for tweet in tweets):
        raise XEventsInvalid("tweet_create_events is not a list of tweets")
    if not user_id or str(payload.get("for_user_id", "")) != user_id:
        return XWebhookEvents(mentions=[], ignored=len(tweets))
    now = datetime.now(UTC)
    found = [_v1_mention(tweet, user_id, now) for tweet in tweets]
    mentions = [mention for mention in found if mention is not None]
    return XWebhookEvents(mentions=mentions, ignored=len(found) - len(mentions))


def _v2_mention(tweet: dict[str, Any], handles: dict[str, str], city_user_id: str) -> SocialMention | None:
    tweet_id, author_id = _text(tweet.get("id")), _text(tweet.get("author_id"))
    if not tweet_id or not author_id or author_id == city_user_id:
        return None
    try:
        created_at = datetime.fromisoformat(_text(tweet.get("created_at")))
    except ValueError:
        created_at = datetime.now(UTC)
    replied_to = next(
        (
            _text(reference.get("id"))
            for reference in _items(tweet, "referenced_tweets")
            if isinstance(reference, dict) and reference.get("type") == "replied_to"
        ),
        "",
    )
    handle = handles.get(author_id, "")
    return SocialMention(
        remote_id=tweet_id,
        remote_url=tweet_url(tweet_id, handle),
        author_id=author_id,
        author_handle=handle,
        text=_text(tweet.get("text")),
        created_at=created_at,
        position=tweet_id,
        in_reply_to_id=replied_to,
        thread_root_id=_text(tweet.get("conversation_id")),
        language=_text(tweet.get("lang")) if tweet.get("lang") != "und" else "",
    )


def _tweet_number(tweet_id: str) -> int | None:
    """A tweet id as the number that orders tweets (X's ids grow with time), or None if it is not one."""
    return int(tweet_id) if tweet_id.isascii() and tweet_id.isdigit() else None


class XMentionsReader:
    """The city's X account's mentions, read with X API v2 and an app or user bearer token."""

    network = NETWORK

    def __init__(self, api_url: str, user_id: str, bearer_token: str, timeout: float = 10) -> None:
        self.api_url = api_url.rstrip("/")
        self.user_id = user_id
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT
        self._http.headers["Authorization"] = f"Bearer {bearer_token}"

    @property
    def account(self) -> str:
        return f"{self.api_url}/{self.user_id}"

    def _page(self, since: str, pagination_token: str) -> dict[str, Any]:
        params = {
            "max_results": str(MENTIONS_PAGE),
            "expansions": "author_id",
            "tweet.fields": TWEET_FIELDS,
            "user.fields": "username",
        }
        if since:
            params["since_id"] = since
        if pagination_token:
            params["pagination_token"] = pagination_token
        what = "X mentions"
        response = http_request(
            self._http,
            "GET",
            f"{self.api_url}/2/users/{self.user_id}/mentions",
            timeout=self.timeout,
            what=what,
            params=params,
        )
        if response.status_code != 200:
            raise error_for_status(response, what=what)
        return json_object(response, what=what)

    def mentions(self, *, since: str) -> SocialMentions:
        """Mentions and replies after tweet id `since` ("" the first time: the latest page), oldest first."""
        tweets: list[dict[str, Any]] = []
        handles: dict[str, str] = {}
        token = ""
        for _page in range(MENTIONS_MAX_PAGES if since else 1):
            page = self._page(since, token)
            tweets.extend(tweet for tweet in _items(page, "data") if isinstance(tweet, dict))
            for user in _items(page.get("includes"), "users"):
                if isinstance(user, dict):
                    handles[_text(user.get("id"))] = _text(user.get("username"))
            token = _text(_mapping(page.get("meta")).get("next_token"))
            if not token:
                break
        found = [_v2_mention(tweet, handles, self.user_id) for tweet in tweets]
        mentions = sorted(
            (mention for mention in found if mention),
            key=lambda mention: (len(mention.remote_id), mention.remote_id),
        )
        ids = [_tweet_number(_text(tweet.get("id"))) for tweet in [*tweets, {"id": since}]]
        newest = max((number for number in ids if number is not None), default=None)
        return SocialMentions(mentions=mentions, position=str(newest) if newest is not None else since)


def x_mentions_reader() -> XMentionsReader | None:
    """The city's X account for polling, when X_USER_ID and a bearer token are set; else None."""
    user_id = getattr(settings, "X_USER_ID", "")
    token = getattr(settings, "X_BEARER_TOKEN", "") or getattr(settings, "X_ACCESS_TOKEN", "")
    if not user_id or not token:
        return None
    return XMentionsReader(getattr(settings, "X_API_URL", "") or DEFAULT_API_URL, user_id, token)
