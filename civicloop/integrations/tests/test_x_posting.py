from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult
from civicloop.integrations.social.text import X_LIMIT, social_post_text, x_length
from civicloop.integrations.social.x import XPoster
from civicloop.integrations.tests.fake_x import FakeX, x_characters

LINK = "https://www.chicago.gov/announcements/free-trees-for-every-block/"
TEXT = f"Free trees for every block\n\n{LINK}"


@pytest.fixture
def x() -> Iterator[FakeX]:
    with FakeX() as server:
        yield server


@pytest.fixture
def poster(x: FakeX) -> XPoster:
    return XPoster(x.access_token, x.user_id, x.url, timeout=0.5)


def post(poster: XPoster, text: str = TEXT, *, created_at: datetime | None = None) -> SocialPostResult:
    queued = created_at or datetime.now(UTC) - timedelta(seconds=1)
    return poster.post(text=text, link=LINK, idempotency_key="civicloop-social-3", created_at=queued)


# ------------------------------------------------------------------------------------------------ posting


def test_posts_the_text_with_the_user_token_and_links_to_the_post(x: FakeX, poster: XPoster) -> None:
    result = post(poster)

    [posted] = x.posts
    assert posted.text == TEXT
    [request] = x.requests_to("/2/tweets")
    assert request.headers["authorization"] == f"Bearer {x.access_token}"
    assert request.json() == {"text": TEXT}
    assert result == SocialPostResult(
        remote_id=posted.id, remote_url=f"https://x.com/i/web/status/{posted.id}"
    )


def test_a_first_attempt_does_not_pay_for_a_read(x: FakeX, poster: XPoster) -> None:
    post(poster)

    assert x.requests_to(f"/2/users/{x.user_id}/tweets") == []


def test_a_retry_soon_after_a_lost_answer_finds_the_post_through_the_duplicate_refusal(
    x: FakeX, poster: XPoster
) -> None:
    queued = datetime.now(UTC) - timedelta(seconds=1)
    x.fail_next("garbage", path="/2/tweets", after_processing=True)
    with pytest.raises(TransientProviderError):
        post(poster, created_at=queued)

    result = post(poster, created_at=queued)

    assert len(x.posts) == 1 and result.remote_id == x.posts[0].id


def test_a_later_retry_looks_for_the_post_first_and_finds_it_by_its_link(x: FakeX, poster: XPoster) -> None:
    queued = datetime.now(UTC) - timedelta(minutes=3)
    x.fail_next("timeout", path="/2/tweets", after_processing=True)
    with pytest.raises(TransientProviderError):
        post(poster, created_at=queued)

    result = post(poster, created_at=queued)

    assert len(x.posts) == 1 and result.remote_id == x.posts[0].id
    assert len(x.requests_to("/2/tweets")) == 1  # found by reading: not posted again
    reads = x.requests_to(f"/2/users/{x.user_id}/tweets")
    assert len(reads) == 2  # each attempt minutes after queueing looks first
    assert x.posts[0].json({"entities"})["text"] != TEXT  # X shows t.co: the link in entities matched
    read = reads[-1]
    assert read.query["start_time"] == (queued - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_duplicate_of_a_post_from_before_the_row_was_queued_is_permanent(x: FakeX, poster: XPoster) -> None:
    post(poster)
    x.posts[0].created_at -= timedelta(days=1)

    with pytest.raises(PermanentProviderError) as refused:
        post(poster)

    assert refused.value.code == "duplicate"
    assert len(x.posts) == 1


def test_rate_limited_is_transient_until_the_window_resets(x: FakeX, poster: XPoster) -> None:
    x.fail_next("rate_limit", path="/2/tweets")

    with pytest.raises(TransientProviderError) as limited:
        post(poster)

    assert limited.value.code == "rate_limited"
    assert limited.value.retry_after is not None and 880 <= limited.value.retry_after <= 900
    assert x.posts == []


def test_server_errors_are_transient(x: FakeX, poster: XPoster) -> None:
    x.fail_next("server_error", path="/2/tweets")

    with pytest.raises(TransientProviderError):
        post(poster)


def test_an_expired_token_is_permanent(x: FakeX) -> None:
    poster = XPoster("expired", x.user_id, x.url, timeout=0.5)

    with pytest.raises(PermanentProviderError) as refused:
        post(poster)

    assert refused.value.code == "unauthorized"


def test_a_post_over_the_limit_is_refused_permanently(x: FakeX, poster: XPoster) -> None:
    with pytest.raises(PermanentProviderError) as refused:
        post(poster, text="の" * 141)

    assert refused.value.code == "400"
    assert x.posts == []


def test_text_fitted_for_x_is_accepted_by_x(x: FakeX, poster: XPoster) -> None:
    long_link = "https://www.chicago.gov/announcements/" + "arboles-" * 30
    text = social_post_text(
        title="Árboles gratis para cada cuadra 🌳 — 每个街区免费植树",
        summary="Inscríbase antes del 30 de abril. " * 20,
        link=long_link,
        limit=poster.limit,
        count=poster.count,
    )
    assert len(text) > X_LIMIT  # fits only because X counts the link as 23

    poster.post(text=text, link=long_link, idempotency_key="k", created_at=datetime.now(UTC))

    assert x.posts[0].text == text
    assert x_characters(text) <= X_LIMIT


# ----------------------------------------------------------------------------------------------- counting
# Examples from twitter-text's conformance suite (validate.yml, the v3 weighted counts), written by hand.


@pytest.mark.parametrize(
    ("text", "weighted"),
    [
        ("This is a test.", 15),
        ("http://test.com", 23),
        ("https://test.com", 23),
        ("test.com", 23),
        ("Test https://test.com test https://test.com test.com test", 86),
        ("저찀쯿쿿", 8),  # Hangul weighs 2
        ("の" * 140, 280),  # CJK weighs 2
        (
            "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466" * 140,
            280,
        ),  # a ZWJ family is one emoji
        ("Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29),  # a skin tone is part of its emoji
        (
            "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
            34,
        ),  # a subdivision flag is one emoji
        ("😷👾😡🔥💩", 10),
        ("A\u0301B", 2),  # NFC: "Á" written as A + accent is one character
        ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),  # a label > 63: no link
        (
            "This is a tweet with general punctuation characters: "
            "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d "
            "‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷",
            112,
        ),
        ("285 chars- http://www.twitter.com/jack " + "xxxxxxxxxx-" * 24, 299),
    ],
)
def test_x_length_matches_twitter_text_v3(text: str, weighted: int) -> None:
    assert x_length(text) == weighted


def test_every_link_counts_23_however_long() -> None:
    assert x_length("See https://www.chicago.gov/" + "a" * 300) == len("See ") + 23
    assert (
        x_length("https://www.chicago.gov/trees.") == 23 + 1
    )  # the full stop ends the sentence, not the link


def test_a_link_to_a_host_x_does_not_link_counts_at_least_its_length() -> None:
    local = "http://localhost:8000/announcements/free-trees/"
    assert x_length(local) == len(local)
    assert x_length("http://127.0.0.1:8000/announcements/free-trees/") == 23  # X links IPv4 addresses


def test_emoji_weigh_two() -> None:
    assert x_length("🌳") == 2
    assert x_length("🇲🇽") == 2
    assert x_length("1️⃣") == 2
    assert x_length("Árboles 🌳") == len("Árboles ") + 2
