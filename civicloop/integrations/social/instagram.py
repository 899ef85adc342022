"""The city's Instagram professional account: content publishing through the Graph API.

Publishing is two calls: `POST /{ig-user-id}/media` with `image_url` (a public JPEG or PNG Instagram fetches),
`caption` and `alt_text` creates a container; `POST /{ig-user-id}/media_publish` with `creation_id`
publishes it. The token is the Page access token of the Facebook Page the account is linked to
(`instagram_basic`, `instagram_content_publish`). Instagram publishes nothing without an image, so `post`
alone is refused; callers use `post_with_image`.

Idempotency: Graph has no idempotency key. Before creating a container, the adapter reads the account's
latest media (`GET /{ig-user-id}/media`, one page of 50) and returns one published since the row was queued
whose caption is exactly this text (it carries the announcement's own link). A container left unpublished
by a failed attempt is harmless: Instagram drops it after 24 hours. Limits as for the Facebook Page; and an
account publishes at most 25 posts a day through the API (error 9: transient, tried again later).
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult, SocialReplyTarget
from civicloop.integrations.social.graph import DEFAULT_GRAPH_URL, GraphClient, MetaReplies
from civicloop.integrations.social.images import SocialImage
from civicloop.integrations.social.text import INSTAGRAM_LIMIT, meta_length

LOOKBACK_SLACK = timedelta(minutes=5)
MEDIA_PAGE = 50
WEB_URL = "https://www.instagram.com"


class InstagramPoster:
    """The city's Instagram account (its Instagram user id), published to with the linked Page's token."""

    network = "instagram"
    limit = INSTAGRAM_LIMIT

    def __init__(
        self, account_id: str, access_token: str, graph_url: str = DEFAULT_GRAPH_URL, timeout: float = 10
    ) -> None:
        self.account_id = account_id
        self._graph = GraphClient(graph_url, access_token, timeout=timeout)

    @property
    def account(self) -> str:
        return f"{self._graph.graph_url}#{self.account_id}"

    def count(self, text: str) -> int:
        return meta_length(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        raise PermanentProviderError("Instagram publishes only posts with an image.", code="needs_image")

    def post_with_image(
        self,
        *,
        text: str,
        link: str,
        image: SocialImage,
        idempotency_key: str,
        created_at: datetime,
        language: str = "en",
    ) -> SocialPostResult:
        """Create a container for `image` with `text` as its caption, then publish it; once per queued row.

        `link` is in the caption as text (Instagram links nothing in captions); `idempotency_key` is not sent.
        """
        earlier = self.earlier_media(text=text, created_at=created_at)
        if earlier is not None:
            return earlier
        container = self._graph.post(
            f"{self.account_id}/media",
            {"image_url": image.url, "caption": text, "alt_text": image.alt_text},
            what="Instagram media container",
        )
        creation_id = _id(container, what="Instagram media container")
        published = self._graph.post(
            f"{self.account_id}/media_publish", {"creation_id": creation_id}, what="Instagram publish"
        )
        media_id = _id(published, what="Instagram publish")
        media = self._graph.get(media_id, {"fields": "id,permalink"}, what="Instagram media")
        return SocialPostResult(remote_id=media_id, remote_url=_permalink(media, media_id))

    def earlier_media(self, *, text: str, created_at: datetime) -> SocialPostResult | None:
        """The account's media with exactly `text` as caption, published since `created_at` (less slack)."""
        body = self._graph.get(
            f"{self.account_id}/media",
            {"fields": "id,caption,permalink,timestamp", "limit": str(MEDIA_PAGE)},
            what="Instagram media list",
        )
        items = body.get("data")
        since = created_at - LOOKBACK_SLACK
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            if str(item.get("caption", "")).strip() != text.strip() or _timestamp(item) < since:
                continue
            return SocialPostResult(remote_id=item["id"], remote_url=_permalink(item, item["id"]))
        return None


def _id(body: dict[str, Any], *, what: str) -> str:
    value = body.get("id")
    if not isinstance(value, str) or not value:
        raise TransientProviderError(f"{what}: answer lacks an id", raw=str(body)[:500], code="garbage")
    return value


def _permalink(item: dict[str, Any], media_id: str) -> str:
    permalink = item.get("permalink")
    if isinstance(permalink, str) and permalink.startswith(("https://", "http://")):
        return permalink
    return f"{WEB_URL}/p/{media_id}/"


def _timestamp(item: dict[str, Any]) -> datetime:
    # Graph writes times as 2026-04-01T15:00:00+0000.
    try:
        return datetime.strptime(str(item.get("timestamp")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unknown: never taken for the earlier attempt


class InstagramReplies(MetaReplies):
    """Answering residents from the Instagram account: `POST /{ig-comment-id}/replies`, which takes top-level
    comments only (a reply to a reply goes under the top-level comment it is in), and messages through the
    linked Page (`POST /me/messages` with the Page token: "me" is the Page)."""

    network = "instagram"
    limit = INSTAGRAM_LIMIT
    reply_edge = "replies"
    conversations_platform = "instagram"

    def __init__(
        self, account_id: str, access_token: str, graph_url: str = DEFAULT_GRAPH_URL, timeout: float = 10
    ) -> None:
        super().__init__(account_id, "me", GraphClient(graph_url, access_token, timeout=timeout))

    def comment_to_answer(self, target: SocialReplyTarget) -> str:
        return target.thread_root_id or target.remote_id
