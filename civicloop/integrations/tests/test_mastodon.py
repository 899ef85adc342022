import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult, SocialReplyTarget, retry_after_seconds
from civicloop.integrations.social.mastodon import MastodonPoster
from civicloop.integrations.social.text import social_post_text
from civicloop.integrations.tests.fake_mastodon import FailureKind, FakeMastodon

LINK = "https://www.chicago.gov/announcements/free-trees-for-every-block/"
NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


@pytest.fixture
def poster(mastodon: FakeMastodon) -> MastodonPoster:
    return MastodonPoster(mastodon.url, mastodon.access_token, timeout=0.5)


def post(
    poster: MastodonPoster, text: str = f"Free trees\n\n{LINK}", key: str = "civicloop-social-1"
) -> SocialPostResult:
    return poster.post(text=text, link=LINK, idempotency_key=key, created_at=NOW, language="en")


def test_posts_a_public_status_and_returns_its_id_and_address(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    result = post(poster)

    [status] = mastodon.statuses
    assert status.text == f"Free trees\n\n{LINK}"
    assert status.params["visibility"] == "public"
    assert status.params["language"] == "en"
    assert status.idempotency_key == "civicloop-social-1"
    assert result.remote_id == status.json["id"]
    assert result.remote_url == f"{mastodon.url}/@chicago/{status.json['id']}"


def test_a_retry_with_the_same_key_after_a_lost_answer_does_not_post_twice(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    mastodon.fail_next("garbage", after_processing=True)
    with pytest.raises(TransientProviderError):
        post(poster)

    result = post(poster)

    assert len(mastodon.statuses) == 1
    assert result.remote_id == mastodon.statuses[0].json["id"]


def test_a_retry_after_a_timeout_does_not_post_twice(mastodon: FakeMastodon, poster: MastodonPoster) -> None:
    mastodon.fail_next("timeout", after_processing=True)
    with pytest.raises(TransientProviderError) as timed_out:
        post(poster)
    assert timed_out.value.code == "timeout"

    post(poster)

    assert len(mastodon.statuses) == 1


def test_different_keys_are_different_posts(mastodon: FakeMastodon, poster: MastodonPoster) -> None:
    post(poster, key="civicloop-social-1")
    post(poster, key="civicloop-social-2")

    assert len(mastodon.statuses) == 2


def test_rate_limited_is_transient_and_says_when_the_limit_resets(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    mastodon.fail_next("rate_limit")

    with pytest.raises(TransientProviderError) as limited:
        post(poster)

    assert limited.value.code == "rate_limited"
    assert limited.value.retry_after is not None
    assert 280 <= limited.value.retry_after <= 300  # X-RateLimit-Reset is five minutes away
    assert mastodon.statuses == []


@pytest.mark.parametrize("kind", ["server_error", "garbage"])
def test_server_errors_and_garbage_are_transient(
    mastodon: FakeMastodon, poster: MastodonPoster, kind: FailureKind
) -> None:
    mastodon.fail_next(kind)

    with pytest.raises(TransientProviderError):
        post(poster)


def test_an_unreachable_server_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    poster = MastodonPoster(f"http://127.0.0.1:{port}", "token", timeout=0.5)

    with pytest.raises(TransientProviderError):
        post(poster)


def test_a_rejected_token_is_permanent(mastodon: FakeMastodon) -> None:
    poster = MastodonPoster(mastodon.url, "revoked-token", timeout=0.5)

    with pytest.raises(PermanentProviderError) as rejected:
        post(poster)

    assert rejected.value.code == "unauthorized"
    assert "revoked-token" not in str(rejected.value) + rejected.value.raw


def test_a_status_the_server_refuses_is_permanent(mastodon: FakeMastodon, poster: MastodonPoster) -> None:
    with pytest.raises(PermanentProviderError) as refused:
        post(poster, text="x" * 501 + " " + LINK)

    assert refused.value.code == "rejected"
    assert "character limit" in refused.value.raw


def test_text_built_for_mastodon_is_accepted_at_the_limit(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    long_link = "https://www.chicago.gov/announcements/" + "trees-" * 60
    text = social_post_text(
        title="Free trees for every block",
        summary="Plant one " * 100,
        link=long_link,
        limit=poster.limit,
        count=poster.count,
    )
    assert len(text) > 500  # only fits because Mastodon counts the link as 23

    poster.post(text=text, link=long_link, idempotency_key="k", created_at=NOW)

    assert mastodon.statuses[0].text == text


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120),
        ({"Retry-After": "Wed, 01 Apr 2026 15:02:00 GMT"}, 120),
        ({"X-RateLimit-Reset": "2026-04-01T15:05:00.000Z"}, 300),  # Mastodon: an ISO 8601 time
        ({"ratelimit-reset": str(int(NOW.timestamp()) + 90)}, 90),  # Bluesky: a Unix time
        ({"X-RateLimit-Reset": "2026-04-01T14:00:00.000Z"}, 0),  # already past
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_from_whichever_header_the_server_sent(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after_seconds(headers, now=NOW) == seconds


# --------------------------------------------------------------------------- replies and mentions (inbox)


def test_mentions_come_as_plain_text_with_what_a_reply_needs(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    city = post(poster)
    resident = mastodon.resident_posts(
        "Is it <free>? Tom & Ana\n\nThanks",
        in_reply_to_id=city.remote_id,
        visibility="unlisted",
        language="es",
    )

    (mention,) = poster.mentions(since="").mentions

    assert mention.remote_id == resident["id"] and mention.remote_url == resident["url"]
    assert mention.text == "Is it <free>? Tom & Ana\n\nThanks"
    assert mention.author_handle == "ana@mastodon.example" and mention.author_id
    assert mention.in_reply_to_id == city.remote_id
    assert (mention.visibility, mention.language) == ("unlisted", "es")


def test_mentions_after_a_position_are_read_through_every_page_oldest_first(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    for number in range(90):
        mastodon.resident_posts(f"@chicago question {number}", acct=f"r{number}")
    start = mastodon.notifications[4]["id"]

    found = poster.mentions(since=start)

    assert [mention.text for mention in found.mentions] == [f"@chicago question {n}" for n in range(5, 90)]
    assert found.position == mastodon.notifications[-1]["id"]
    assert all(
        request.query.get("since_id") == start for request in mastodon.requests_to("/api/v1/notifications")
    )


def test_with_no_position_only_the_latest_page_is_read(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    for number in range(50):
        mastodon.resident_posts(f"@chicago old {number}", acct=f"r{number}")

    found = poster.mentions(since="")

    assert len(found.mentions) == 40 and len(mastodon.requests_to("/api/v1/notifications")) == 1


def test_an_empty_first_read_makes_everything_after_it_new(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    first = poster.mentions(since="")
    mastodon.resident_posts("@chicago hello")

    assert first.mentions == [] and len(poster.mentions(since=first.position).mentions) == 1


def test_reading_mentions_with_a_rejected_token_is_permanent_and_rate_limits_transient(
    mastodon: FakeMastodon,
) -> None:
    with pytest.raises(PermanentProviderError):
        MastodonPoster(mastodon.url, "wrong-token").mentions(since="")
    mastodon.fail_next("rate_limit", path="/api/v1/notifications")
    with pytest.raises(TransientProviderError) as raised:
        MastodonPoster(mastodon.url, mastodon.access_token).mentions(since="")
    assert raised.value.retry_after is not None


def test_a_reply_names_the_resident_threads_under_their_status_and_posts_once_per_key(
    mastodon: FakeMastodon, poster: MastodonPoster
) -> None:
    resident = mastodon.resident_posts("@chicago is the pool open?")
    (mention,) = poster.mentions(since="").mentions
    target = SocialReplyTarget(
        remote_id=mention.remote_id, author_handle=mention.author_handle, visibility="public"
    )

    first = poster.reply(text="Yes, from 9.", target=target, idempotency_key="inbox-1", created_at=NOW)
    again = poster.reply(text="Yes, from 9.", target=target, idempotency_key="inbox-1", created_at=NOW)

    assert first == again and len(mastodon.statuses) == 1
    (status,) = mastodon.statuses
    assert status.text == "@ana@mastodon.example Yes, from 9."
    assert status.json["in_reply_to_id"] == resident["id"] and status.params["visibility"] == "public"


def test_a_reply_to_a_status_that_is_gone_is_permanent(poster: MastodonPoster) -> None:
    target = SocialReplyTarget(remote_id="999", author_handle="ana")

    with pytest.raises(PermanentProviderError):
        poster.reply(text="Hello", target=target, idempotency_key="inbox-2", created_at=NOW)
