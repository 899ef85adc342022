import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult
from civicloop.integrations.social.images import SocialImage, SocialImagePoster
from civicloop.integrations.social.instagram import InstagramPoster
from civicloop.integrations.tests.fake_meta import FakeMeta

LINK = "https://www.chicago.gov/announcements/free-trees-for-every-block/"
CAPTION = f"Free trees for every block\n\nApply by April 30.\n\n{LINK}"
ALT = "City of Chicago program: Free trees for every block. All of Chicago. April 1, 2026."


def picture(image_format: str = "JPEG") -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (1080, 1080), "#0b4f8a").save(output, format=image_format)
    return output.getvalue()


@pytest.fixture
def meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def poster(meta: FakeMeta) -> InstagramPoster:
    return InstagramPoster(meta.instagram_id, meta.page_access_token, meta.graph_url, timeout=0.5)


@pytest.fixture
def card(meta: FakeMeta) -> SocialImage:
    return SocialImage(url=meta.file_url("free-trees.jpg", picture()), alt_text=ALT)


def queued_now() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=2)


def publish(
    poster: InstagramPoster, card: SocialImage, *, caption: str = CAPTION, created_at: datetime | None = None
) -> SocialPostResult:
    return poster.post_with_image(
        text=caption,
        link=LINK,
        image=card,
        idempotency_key="civicloop-social-9",
        created_at=created_at or queued_now(),
    )


def test_creates_a_container_with_the_card_caption_and_alt_text_then_publishes_it(
    meta: FakeMeta, poster: InstagramPoster, card: SocialImage
) -> None:
    result = publish(poster, card)

    [container] = meta.containers.values()
    assert (container.image_url, container.caption, container.alt_text) == (card.url, CAPTION, ALT)
    [media] = meta.media
    assert media.caption == CAPTION and media.image == meta.files["free-trees.jpg"]
    assert container.status_code == "PUBLISHED"
    assert result == SocialPostResult(remote_id=media.id, remote_url=media.permalink)
    [publish_call] = meta.requests_to(f"/v21.0/{meta.instagram_id}/media_publish")
    assert publish_call.form() == {"creation_id": container.id}
    # One look for an earlier attempt's media, then one container made.
    assert [r.method for r in meta.requests_to(f"/v21.0/{meta.instagram_id}/media")] == ["GET", "POST"]


def test_it_is_an_image_poster_and_refuses_a_post_without_an_image(poster: InstagramPoster) -> None:
    assert isinstance(poster, SocialImagePoster)

    with pytest.raises(PermanentProviderError) as refused:
        poster.post(text=CAPTION, link=LINK, idempotency_key="k", created_at=queued_now())

    assert refused.value.code == "needs_image"


def test_a_retry_after_the_publish_answer_was_lost_does_not_publish_twice(
    meta: FakeMeta, poster: InstagramPoster, card: SocialImage
) -> None:
    queued = queued_now()
    meta.fail_next("timeout", path=f"/v21.0/{meta.instagram_id}/media_publish", after_processing=True)
    with pytest.raises(TransientProviderError):
        publish(poster, card, created_at=queued)

    result = publish(poster, card, created_at=queued)

    assert len(meta.media) == 1
    assert result.remote_id == meta.media[0].id


def test_a_retry_after_the_container_failed_publishes_once(
    meta: FakeMeta, poster: InstagramPoster, card: SocialImage
) -> None:
    queued = queued_now()
    meta.fail_next("server_error", path=f"/v21.0/{meta.instagram_id}/media_publish")
    with pytest.raises(TransientProviderError):
        publish(poster, card, created_at=queued)

    publish(poster, card, created_at=queued)
    publish(poster, card, created_at=queued)

    assert len(meta.media) == 1
    assert len(meta.containers) == 2  # the first, never published, expires on Instagram's side


def test_media_with_the_same_caption_from_before_the_row_was_queued_is_not_taken_for_it(
    meta: FakeMeta, poster: InstagramPoster, card: SocialImage
) -> None:
    publish(poster, card)
    meta.media[0].timestamp -= timedelta(hours=2)

    publish(poster, card)

    assert len(meta.media) == 2


def test_throttling_is_transient_with_the_wait_graph_gives(
    meta: FakeMeta, poster: InstagramPoster, card: SocialImage
) -> None:
    meta.fail_next("rate_limit", path=f"/v21.0/{meta.instagram_id}/media")

    with pytest.raises(TransientProviderError) as limited:
        publish(poster, card)

    assert limited.value.code == "rate_limited" and limited.value.retry_after == 7 * 60
    assert meta.media == []


def test_the_daily_publishing_limit_is_transient(
    meta: FakeMeta, poster: InstagramPoster, card: SocialImage
) -> None:
    meta.daily_publish_limit = 0

    with pytest.raises(TransientProviderError) as limited:
        publish(poster, card)

    assert limited.value.code == "rate_limited"


def test_an_image_instagram_cannot_fetch_is_permanent(meta: FakeMeta, poster: InstagramPoster) -> None:
    unreachable = SocialImage(url="http://127.0.0.1:9/card.png", alt_text=ALT)

    with pytest.raises(PermanentProviderError) as refused:
        publish(poster, unreachable)

    assert refused.value.code == "9004"
    assert meta.media == []


def test_an_image_instagram_does_not_take_is_permanent(meta: FakeMeta, poster: InstagramPoster) -> None:
    png = SocialImage(url=meta.file_url("free-trees.png", picture("PNG")), alt_text=ALT)

    with pytest.raises(PermanentProviderError) as refused:
        publish(poster, png)

    assert refused.value.code == "9004" and "JPEG" in str(refused.value)


def test_a_revoked_token_is_permanent(meta: FakeMeta, card: SocialImage) -> None:
    poster = InstagramPoster(meta.instagram_id, "revoked", meta.graph_url, timeout=0.5)

    with pytest.raises(PermanentProviderError) as refused:
        publish(poster, card)

    assert refused.value.code == "unauthorized"
