"""X into the staff inbox: the Account Activity webhook (/webhooks/x: CRC, signatures made exactly as X
makes them, replies and mentions) and the polling fallback (X API v2 mentions on a local server), which
store a tweet once whichever way, or both ways, it came."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from civicloop.announcements.tests.factories import make_announcement
from civicloop.assistant.models import AssistantMessage, Conversation, SocialMentionsCursor
from civicloop.assistant.services.social_inbox import social_mentions_fetch_all
from civicloop.assistant.tasks_inbox import fetch_social_mentions, social_mentions_schedule
from civicloop.assistant.tests.test_webhooks_meta import staff_client
from civicloop.delivery.models import SocialPost
from civicloop.integrations.social.x_events import MAX_BODY_BYTES
from civicloop.integrations.tests.fake_x_mentions import FakeTweet, FakeXMentions
from civicloop.integrations.tests.test_x_events import SECRET, x_signed

pytestmark = pytest.mark.django_db

URL = "/webhooks/x"


@pytest.fixture
def x(settings: Any) -> Iterator[FakeXMentions]:
    """The city's X account: its webhook secret, and its mentions on a local X API v2."""
    with FakeXMentions() as server:
        settings.X_CONSUMER_SECRET = SECRET
        settings.X_USER_ID = server.user_id
        settings.X_BEARER_TOKEN = server.bearer_token
        settings.X_API_URL = server.url
        settings.MASTODON_ACCESS_TOKEN = settings.BLUESKY_APP_PASSWORD = ""
        yield server


def deliver(x: FakeXMentions, *tweets: FakeTweet, for_user_id: str = "", signature: str | None = None) -> Any:
    """POST an Account Activity body as X does: the raw bytes, signed over exactly those bytes."""
    payload = {
        "for_user_id": for_user_id or x.user_id,
        "tweet_create_events": [x.v1_tweet(tweet) for tweet in tweets],
    }
    body = json.dumps(payload).encode()
    return post(body, signature=x_signed(body) if signature is None else signature)


def post(body: bytes, *, signature: str) -> Any:
    return Client().post(
        URL, data=body, content_type="application/json", headers={"x-twitter-webhooks-signature": signature}
    )


def test_the_crc_check_is_answered_with_the_signed_token(x: FakeXMentions, settings: Any) -> None:
    answer = Client().get(URL, {"crc_token": "9b4507b3-e0b7-4f4e"})
    assert answer.status_code == 200
    assert answer.json() == {"response_token": x_signed(b"9b4507b3-e0b7-4f4e")}
    assert Client().get(URL).status_code == 400
    settings.X_CONSUMER_SECRET = ""  # unset: nothing is answered, nothing accepted
    assert Client().get(URL, {"crc_token": "abc"}).status_code == 403


def test_forged_or_missing_signatures_store_nothing(x: FakeXMentions, settings: Any) -> None:
    tweet = x.resident_tweets("@chicago pothole at Ashland and 18th")
    assert deliver(x, tweet, signature="").status_code == 403
    assert deliver(x, tweet, signature=x_signed(b"another body")).status_code == 403
    body = json.dumps({"for_user_id": x.user_id, "tweet_create_events": [x.v1_tweet(tweet)]}).encode()
    assert post(body, signature=x_signed(body, "a-guessed-secret")).status_code == 403
    settings.X_CONSUMER_SECRET = ""
    assert post(body, signature=x_signed(body, "")).status_code == 403
    assert AssistantMessage.objects.count() == 0


def test_replies_and_mentions_reach_the_inbox_once_per_tweet(x: FakeXMentions) -> None:
    city = x.city_tweets("Street sweeping starts Monday https://www.chicago.gov/a/1")
    city_post = SocialPost.objects.create(
        announcement=make_announcement(title="Street sweeping"),
        network="x",
        remote_id=city.id,
        status="posted",
    )
    reply = x.resident_tweets("Which streets?", in_reply_to=city)
    # A reply in the thread names everyone in it, the city too, as X's "Replying to" does.
    follow_up = x.resident_tweets("@chicago And on Saturdays?", in_reply_to=reply)
    mention = x.resident_tweets(
        "@chicago the bike lane on Milwaukee is blocked", author_id="777", username="bo"
    )

    assert deliver(x, city, reply, mention).status_code == 200
    assert deliver(x, reply).status_code == 200  # X's retry
    assert deliver(x, follow_up).status_code == 200

    thread = Conversation.objects.get(channel="x", remote_account_id="44196397")
    assert (thread.remote_thread_id, thread.remote_handle, thread.city_post) == (
        city.id,
        "ana_chi",
        city_post,
    )
    assert list(thread.messages.values_list("body", flat=True)) == [
        "Which streets?",
        "@chicago And on Saturdays?",
    ]
    assert thread.messages.first().remote_url == f"https://x.com/ana_chi/status/{reply.id}"  # type: ignore[union-attr]
    bo = Conversation.objects.get(channel="x", remote_account_id="777")
    assert bo.remote_thread_id == mention.id
    assert AssistantMessage.objects.count() == 3  # the city's own tweet is not in the inbox


def test_events_for_another_account_are_acknowledged_and_ignored(x: FakeXMentions) -> None:
    tweet = x.resident_tweets("@chicago hello")
    assert deliver(x, tweet, for_user_id="999").status_code == 200
    body = json.dumps({"for_user_id": x.user_id, "favorite_events": [{"id": "1"}]}).encode()
    assert post(body, signature=x_signed(body)).status_code == 200
    assert AssistantMessage.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b'"a string"', b'{"tweet_create_events": "x"}', b"{" + b" " * MAX_BODY_BYTES + b"}"],
)
def test_malformed_enormous_or_non_json_bodies_are_400_and_store_nothing(
    x: FakeXMentions, body: bytes
) -> None:
    assert post(body, signature=x_signed(body)).status_code == 400
    assert AssistantMessage.objects.count() == 0


def test_a_tweet_seen_by_the_webhook_and_the_poll_is_stored_once(x: FakeXMentions) -> None:
    city = x.city_tweets("Free trees for every block")
    pushed = x.resident_tweets("Can I get two?", in_reply_to=city)
    assert deliver(x, pushed).status_code == 200

    assert social_mentions_fetch_all() == 0  # the poll sees it too
    polled = x.resident_tweets("@chicago and for my neighbour?", in_reply_to=pushed)
    assert social_mentions_fetch_all() == 1
    assert deliver(x, polled).status_code == 200  # then the webhook delivers it late

    assert AssistantMessage.objects.count() == 2
    [conversation] = Conversation.objects.all()
    assert conversation.remote_thread_id == city.id
    cursor = SocialMentionsCursor.objects.get(network="x")
    assert cursor.position == polled.id
    [_first, second] = [request for request in x.requests if "/mentions" in request.path]
    assert second.query["since_id"] == pushed.id  # asks only for what is new


def test_polling_alone_is_scheduled_and_fills_the_inbox(x: FakeXMentions) -> None:
    assert social_mentions_schedule() is True  # X alone is reason enough to poll
    city = x.city_tweets("Snow routes are posted")
    x.resident_tweets("Is Halsted a snow route?", in_reply_to=city)
    DBTaskResult.objects.all().delete()

    assert fetch_social_mentions.call() == 1
    assert Conversation.objects.get().channel == "x"


def test_the_inbox_lists_x_conversations_as_public(x: FakeXMentions) -> None:
    deliver(
        x, x.resident_tweets("@chicago the bike lane on Milwaukee is blocked", author_id="777", username="bo")
    )
    client = staff_client()
    page = client.get("/staff/inbox/", {"channel": "x"}).content.decode()
    [row] = [row.split("</tr>")[0] for row in page.split("<tr>")[2:]]
    assert "@bo" in row
    assert '<td>X <span class="tag">Public comments</span>' in row
    assert "the bike lane on Milwaukee is blocked" in row
