import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult
from civicloop.integrations.social.facebook import FacebookPagePoster
from civicloop.integrations.social.graph import graph_error, graph_retry_after
from civicloop.integrations.tests.fake_meta import FakeMeta

LINK = "https://www.chicago.gov/announcements/free-trees-for-every-block/"
TEXT = f"Free trees for every block\n\nApply by April 30.\n\n{LINK}"


@pytest.fixture
def meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def poster(meta: FakeMeta) -> FacebookPagePoster:
    return FacebookPagePoster(meta.page_id, meta.page_access_token, meta.graph_url, timeout=0.5)


def queued_now() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=2)


def post(
    poster: FacebookPagePoster, text: str = TEXT, *, created_at: datetime | None = None
) -> SocialPostResult:
    return poster.post(
        text=text, link=LINK, idempotency_key="civicloop-social-7", created_at=created_at or queued_now()
    )


def test_posts_the_message_and_link_to_the_page_feed_with_the_page_token(
    meta: FakeMeta, poster: FacebookPagePoster
) -> None:
    result = post(poster)

    [page_post] = meta.page_posts
    assert (page_post.message, page_post.link) == (TEXT, LINK)
    [request] = meta.requests_to(f"/v21.0/{meta.page_id}/feed")
    assert request.headers["authorization"] == f"Bearer {meta.page_access_token}"
    assert meta.page_access_token not in request.path + request.raw_query
    assert result.remote_id == page_post.id
    page, number = page_post.id.split("_")
    assert result.remote_url == f"https://www.facebook.com/{page}/posts/{number}"


def test_a_retry_after_a_lost_answer_returns_the_first_post_instead_of_posting_again(
    meta: FakeMeta, poster: FacebookPagePoster
) -> None:
    queued = queued_now()
    meta.fail_next("garbage", path=f"/v21.0/{meta.page_id}/feed", after_processing=True)
    with pytest.raises(TransientProviderError):
        post(poster, created_at=queued)

    result = post(poster, created_at=queued)

    assert len(meta.page_posts) == 1
    assert result.remote_id == meta.page_posts[0].id
    assert result.remote_url == meta.page_posts[0].json()["permalink_url"]


def test_a_retry_after_a_timeout_posts_once(meta: FakeMeta, poster: FacebookPagePoster) -> None:
    queued = queued_now()
    meta.fail_next("timeout", path=f"/v21.0/{meta.page_id}/feed", after_processing=True)
    with pytest.raises(TransientProviderError) as timed_out:
        post(poster, created_at=queued)
    assert timed_out.value.code == "timeout"

    post(poster, created_at=queued)
    post(poster, created_at=queued)

    assert len(meta.page_posts) == 1


def test_a_post_the_lookup_missed_is_found_when_graph_refuses_the_duplicate(
    meta: FakeMeta, poster: FacebookPagePoster, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = queued_now()
    first = post(poster, created_at=queued)
    real_lookup = poster.earlier_post
    lookups: list[SocialPostResult | None] = []

    def lagging_lookup(**kwargs: datetime | str) -> SocialPostResult | None:
        # The first look sees nothing yet, as if reads lagged behind the write.
        lookups.append(real_lookup(**kwargs) if lookups else None)  # type: ignore[arg-type]
        return lookups[-1]

    monkeypatch.setattr(poster, "earlier_post", lagging_lookup)

    again = post(poster, created_at=queued)

    assert again == first
    assert lookups == [None, first]
    assert len(meta.page_posts) == 1
    assert len(meta.requests_to(f"/v21.0/{meta.page_id}/feed")) == 2  # the second was refused as a duplicate


def test_the_same_text_posted_before_the_row_was_queued_is_a_permanent_duplicate(
    meta: FakeMeta, poster: FacebookPagePoster
) -> None:
    post(poster)
    meta.page_posts[0].created_time -= timedelta(hours=1)

    with pytest.raises(PermanentProviderError) as refused:
        post(poster)

    assert refused.value.code == "duplicate"
    assert len(meta.page_posts) == 1


def test_an_earlier_post_with_other_text_is_not_taken_for_this_one(
    meta: FakeMeta, poster: FacebookPagePoster
) -> None:
    post(poster, text=f"Street sweeping starts Monday\n\n{LINK}")
    post(poster)

    assert [page_post.message for page_post in meta.page_posts][-1] == TEXT
    assert len(meta.page_posts) == 2


def test_page_throttling_is_transient_and_waits_as_long_as_graph_says(
    meta: FakeMeta, poster: FacebookPagePoster
) -> None:
    meta.fail_next("rate_limit", path=f"/v21.0/{meta.page_id}/feed")

    with pytest.raises(TransientProviderError) as limited:
        post(poster)

    assert limited.value.code == "rate_limited"
    assert limited.value.retry_after == 7 * 60
    assert meta.page_posts == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_every_graph_rate_limit_code_is_transient_even_with_http_400(code: int) -> None:
    response = _response(400, {"error": {"code": code, "message": "limit reached", "type": "OAuthException"}})

    error = graph_error(response, what="Facebook Page post")

    assert isinstance(error, TransientProviderError) and error.code == "rate_limited"


def test_a_temporary_graph_error_is_transient(meta: FakeMeta, poster: FacebookPagePoster) -> None:
    meta.fail_next("server_error", path=f"/v21.0/{meta.page_id}/feed")

    with pytest.raises(TransientProviderError):
        post(poster)


def test_an_invalid_page_token_is_permanent_and_not_repeated(meta: FakeMeta) -> None:
    poster = FacebookPagePoster(meta.page_id, "expired-token", meta.graph_url, timeout=0.5)

    with pytest.raises(PermanentProviderError) as rejected:
        post(poster)

    assert rejected.value.code == "unauthorized"
    assert "expired-token" not in str(rejected.value) + rejected.value.raw


def test_a_post_graph_rejects_is_permanent(meta: FakeMeta, poster: FacebookPagePoster) -> None:
    with pytest.raises(PermanentProviderError) as rejected:
        poster.post(text="", link="", idempotency_key="k", created_at=queued_now())

    assert rejected.value.code == "100"


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30),
        ({"X-App-Usage": json.dumps({"call_count": 100, "total_time": 10})}, None),
        (
            {"X-Business-Use-Case-Usage": json.dumps({"1": [{"estimated_time_to_regain_access": 2}]})},
            120,
        ),
        ({"X-Business-Use-Case-Usage": "not json"}, None),
    ],
)
def test_graph_retry_after_reads_retry_after_or_the_usage_headers(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert graph_retry_after(headers) == seconds


def _response(status: int, body: object) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response
