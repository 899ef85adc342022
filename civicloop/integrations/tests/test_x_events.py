"""X's webhook (CRC, signature, Account Activity bodies) and mentions polling against a local X API v2."""

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social import x_events
from civicloop.integrations.social.x_events import (
    MAX_BODY_BYTES,
    XEventsInvalid,
    XMentionsReader,
    x_crc_response_token,
    x_events_parse,
    x_signature_valid,
)
from civicloop.integrations.tests.fake_x_mentions import FakeXMentions

SECRET = "x-consumer-secret"


def x_signed(message: bytes, secret: str = SECRET) -> str:
    """Exactly as X signs: sha256= and the base64 HMAC-SHA256, keyed with the consumer secret."""
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@pytest.fixture
def x() -> Iterator[FakeXMentions]:
    with FakeXMentions() as server:
        yield server


@pytest.fixture
def reader(x: FakeXMentions) -> XMentionsReader:
    return XMentionsReader(x.url, x.user_id, x.bearer_token, timeout=0.5)


def test_crc_answer_and_signature() -> None:
    assert x_crc_response_token("challenge-123", consumer_secret=SECRET) == x_signed(b"challenge-123")
    body = b'{"for_user_id": "1", "tweet_create_events": []}'
    assert x_signature_valid(body, x_signed(body), consumer_secret=SECRET)
    assert not x_signature_valid(body + b" ", x_signed(body), consumer_secret=SECRET)
    assert not x_signature_valid(body, x_signed(body, "other"), consumer_secret=SECRET)
    assert not x_signature_valid(body, "", consumer_secret=SECRET)
    assert not x_signature_valid(body, x_signed(body, ""), consumer_secret="")


def test_webhook_takes_mentions_and_replies_to_the_city_not_its_own_tweets(x: FakeXMentions) -> None:
    city = x.city_tweets("Free trees for every block https://www.chicago.gov/a/1")
    reply = x.resident_tweets("Can I get two?", in_reply_to=city)
    mention = x.resident_tweets(
        "@chicago the bike lane on Milwaukee is blocked", author_id="777", username="bo"
    )
    unrelated = x.resident_tweets("nice weather today", author_id="888", username="cy")
    retweet = {**x.v1_tweet(mention), "id_str": "42", "retweeted_status": x.v1_tweet(mention)}
    body = {
        "for_user_id": x.user_id,
        "tweet_create_events": [x.v1_tweet(tweet) for tweet in (city, reply, mention, unrelated)] + [retweet],
    }
    found = x_events_parse(json.dumps(body).encode(), user_id=x.user_id)
    assert [mention.remote_id for mention in found.mentions] == [reply.id, mention.id]
    assert found.ignored == 3
    first = found.mentions[0]
    assert (first.author_id, first.author_handle, first.text) == ("44196397", "ana_chi", "Can I get two?")
    assert first.in_reply_to_id == city.id
    assert first.remote_url == f"https://x.com/ana_chi/status/{reply.id}"
    assert first.created_at == reply.created_at
    # Another account's events are not the city's.
    assert x_events_parse(json.dumps({**body, "for_user_id": "5"}).encode(), user_id=x.user_id).mentions == []


def test_odd_fields_in_a_tweet_are_not_a_crash(x: FakeXMentions) -> None:
    tweet = {**x.v1_tweet(x.resident_tweets("hello")), "entities": {"user_mentions": 5}, "user": "bo"}
    body = json.dumps({"for_user_id": x.user_id, "tweet_create_events": [tweet]}).encode()
    assert x_events_parse(body, user_id=x.user_id).mentions == []


def test_extended_tweets_give_their_full_text(x: FakeXMentions) -> None:
    tweet = x.v1_tweet(x.resident_tweets("@chicago short…"))
    tweet.update(truncated=True, extended_tweet={"full_text": "@chicago the whole long text"})
    found = x_events_parse(
        json.dumps({"for_user_id": x.user_id, "tweet_create_events": [tweet]}).encode(), user_id=x.user_id
    )
    assert found.mentions[0].text == "@chicago the whole long text"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"tweet",
        b"[1]",
        b'{"tweet_create_events": {}}',
        b'{"tweet_create_events": [1]}',
        b"{" + b" " * MAX_BODY_BYTES + b"}",
    ],
)
def test_bodies_that_are_not_account_activity_are_refused(body: bytes) -> None:
    with pytest.raises(XEventsInvalid):
        x_events_parse(body, user_id="1")


def test_polling_reads_mentions_with_since_id_and_pages(x: FakeXMentions, reader: XMentionsReader) -> None:
    city = x.city_tweets("Street sweeping starts Monday")
    first = x.resident_tweets("Which streets?", in_reply_to=city)
    found = reader.mentions(since="")
    [mention] = found.mentions
    assert found.position == first.id
    assert (mention.remote_id, mention.author_handle, mention.thread_root_id) == (
        first.id,
        "ana_chi",
        city.id,
    )
    assert mention.in_reply_to_id == city.id
    assert mention.created_at == first.created_at.replace(tzinfo=UTC)
    assert mention.language == "en"
    [request] = x.requests
    assert request.path == f"/2/users/{x.user_id}/mentions"
    assert "since_id" not in request.query

    later = [
        x.resident_tweets(f"@chicago number {n}", author_id=str(1000 + n), username=f"r{n}")
        for n in range(130)
    ]
    found = reader.mentions(since=first.id)
    assert [mention.remote_id for mention in found.mentions] == [tweet.id for tweet in later]  # oldest first
    assert found.position == later[-1].id
    page_one, page_two = x.requests[1:]
    assert page_one.query["since_id"] == first.id and "pagination_token" not in page_one.query
    assert page_two.query["pagination_token"] == "100"

    assert reader.mentions(since=later[-1].id).mentions == []
    assert reader.mentions(since=later[-1].id).position == later[-1].id


def test_polling_failures_are_provider_errors(x: FakeXMentions, reader: XMentionsReader) -> None:
    x.fail_next("rate_limit")
    with pytest.raises(TransientProviderError):
        reader.mentions(since="")
    x.fail_next("garbage")
    with pytest.raises(TransientProviderError):
        reader.mentions(since="")
    wrong_token = XMentionsReader(x.url, x.user_id, "not-the-token", timeout=0.5)
    with pytest.raises(PermanentProviderError):
        wrong_token.mentions(since="")


def test_reader_is_configured_from_settings(settings: Any) -> None:
    settings.X_USER_ID = ""
    settings.X_BEARER_TOKEN = "t"
    assert x_events.x_mentions_reader() is None
    settings.X_USER_ID = "12"
    settings.X_API_URL = "http://127.0.0.1:9/"
    configured = x_events.x_mentions_reader()
    assert configured is not None and configured.account == "http://127.0.0.1:9/12"
