"""A local Graph API server speaking enough of Facebook Page posting and Instagram content publishing to
exercise the adapters for real:

- `POST /{page-id}/feed` (form: message, link) → `{"id": "<page>_<post>"}`; the same message again within
  a day is refused as Graph does (error 506, "Duplicate status message"); `GET /{page-id}/posts` with
  `since` (a Unix time), `fields`, `limit`, newest first.
- `POST /{ig-user-id}/media` (form: image_url, caption, alt_text) → a container (the image is "fetched"
  from `images`, URL → bytes, which tests fill; any other URL is refused as unreachable, and anything but
  JPEG as unsupported, error 9004); `POST /{ig-user-id}/media_publish` (creation_id) → the media id, at most `daily_publish_limit`
  a day (error 9, subcode 2207042); `GET /{ig-user-id}/media` and `GET /{media-id}`.

Paths carry the version (`/v21.0/...`) like Graph's; the access token is a Bearer header (or
`access_token`). Errors have Graph's shape; failures injected with `fail_next` are Graph's too: throttling
(code 32, with X-Business-Use-Case-Usage saying when access returns), a temporary error (code 2,
`is_transient`), garbage, timeouts.

    with FakeMeta() as meta:
        poster = FacebookPagePoster(meta.page_id, meta.page_access_token, meta.graph_url)
"""

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from civicloop.integrations.tests.fake_mastodon import FailureKind, FakeApiServer, FakeReply, FakeRequest

VERSION = "v21.0"
JPEG_SIGNATURE = b"\xff\xd8\xff"


def graph_error(
    code: int, message: str, *, subcode: int | None = None, status: int = 400, **extra: Any
) -> FakeReply:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return FakeReply(status, {"error": error})


@dataclass
class PagePost:
    id: str
    message: str
    link: str
    created_time: datetime

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "message": self.message,
            "created_time": self.created_time.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{self.id.replace('_', '/posts/')}",
        }


@dataclass
class Container:
    id: str
    image_url: str
    caption: str
    alt_text: str
    status_code: str = "FINISHED"


@dataclass
class Media:
    id: str
    caption: str
    alt_text: str
    image: bytes
    timestamp: datetime
    permalink: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "caption": self.caption,
            "media_type": "IMAGE",
            "permalink": self.permalink,
            "timestamp": self.timestamp.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        }


class FakeMeta(FakeApiServer):
    """One Facebook Page and the Instagram account linked to it, sharing the Page's access token."""

    def __init__(
        self,
        *,
        page_id: str = "104000000000001",
        instagram_id: str = "17841400000000001",
        page_access_token: str = "page-access-token",
    ) -> None:
        super().__init__()
        self.page_id = page_id
        self.instagram_id = instagram_id
        self.page_access_token = page_access_token
        self.page_posts: list[PagePost] = []
        self.containers: dict[str, Container] = {}
        self.media: list[Media] = []
        self.files: dict[str, bytes] = {}
        self.images: dict[str, bytes] = {}
        self.daily_publish_limit = 25
        self.regain_access_minutes = 7
        self._ids = itertools.count(1)

    @property
    def graph_url(self) -> str:
        return f"{self.url}/{VERSION}"

    def file_url(self, name: str, content: bytes) -> str:
        """Serve `content` at a URL Instagram can fetch (the card, as civicloop serves it)."""
        self.files[name] = content
        self.images[f"{self.url}/files/{name}"] = content
        return f"{self.url}/files/{name}"

    def failure_reply(self, kind: FailureKind) -> FakeReply:
        if kind == "rate_limit":
            usage = {
                self.page_id: [
                    {
                        "type": "pages",
                        "call_count": 100,
                        "total_cputime": 12,
                        "total_time": 30,
                        "estimated_time_to_regain_access": self.regain_access_minutes,
                    }
                ]
            }
            reply = graph_error(32, "Page request limit reached")
            reply.headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
            return reply
        if kind == "server_error":
            return graph_error(2, "Service temporarily unavailable", status=500, is_transient=True)
        return super().failure_reply(kind)

    def respond(self, request: FakeRequest) -> FakeReply:
        if request.method == "GET" and request.path.startswith("/files/"):
            name = request.path.removeprefix("/files/")
            found = self.files.get(name)
            return FakeReply(200, found, {"Content-Type": "image/png"}) if found else FakeReply(404, b"")
        prefix = f"/{VERSION}/"
        if not request.path.startswith(prefix):
            return graph_error(2500, "Unknown path components", status=400)
        token = request.headers.get("authorization", "").removeprefix("Bearer ") or request.query.get(
            "access_token"
        )
        if token != self.page_access_token:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        parts = request.path.removeprefix(prefix).strip("/").split("/")
        params = {**request.query, **request.form()} if request.method == "POST" else request.query
        route = (
            request.method,
            parts[0] if len(parts) == 1 else "{node}",
            parts[-1] if len(parts) == 2 else "",
        )
        if len(parts) == 2 and parts[0] == self.page_id:
            if route == ("POST", "{node}", "feed"):
                return self._page_post(params)
            if route == ("GET", "{node}", "posts"):
                return self._page_posts(params)
        if len(parts) == 2 and parts[0] == self.instagram_id:
            if route == ("POST", "{node}", "media"):
                return self._create_container(params)
            if route == ("POST", "{node}", "media_publish"):
                return self._publish(params)
            if route == ("GET", "{node}", "media"):
                return FakeReply(
                    200, {"data": [media.json() for media in reversed(self.media)], "paging": {}}
                )
        if len(parts) == 1 and request.method == "GET":
            media = next((item for item in self.media if item.id == parts[0]), None)
            if media is not None:
                return FakeReply(200, {"id": media.id, "permalink": media.permalink})
            container = self.containers.get(parts[0])
            if container is not None:
                return FakeReply(200, {"id": container.id, "status_code": container.status_code})
        return graph_error(100, "Unsupported request - method type or object does not exist", subcode=33)

    # ----------------------------------------------------------------------------------------- the Page

    def _page_post(self, params: dict[str, str]) -> FakeReply:
        message = params.get("message", "")
        if not message.strip() and not params.get("link"):
            return graph_error(100, "(#100) Missing message or attachment")
        now = datetime.now(UTC)
        if any(
            post.message == message and now - post.created_time < timedelta(days=1)
            for post in self.page_posts
        ):
            return graph_error(506, "Duplicate status message")
        post = PagePost(f"{self.page_id}_{next(self._ids) + 900_000}", message, params.get("link", ""), now)
        self.page_posts.append(post)
        return FakeReply(200, {"id": post.id})

    def _page_posts(self, params: dict[str, str]) -> FakeReply:
        posts = list(reversed(self.page_posts))
        if params.get("since"):
            since = datetime.fromtimestamp(int(params["since"]), UTC)
            posts = [post for post in posts if post.created_time >= since]
        limit = int(params.get("limit") or 25)
        return FakeReply(200, {"data": [post.json() for post in posts[:limit]], "paging": {}})

    # ---------------------------------------------------------------------------------------- Instagram

    def _create_container(self, params: dict[str, str]) -> FakeReply:
        image_url = params.get("image_url", "")
        if not image_url:
            return graph_error(100, "The parameter image_url is required")
        image = self.images.get(image_url)
        if image is None:
            return graph_error(9004, "Only photo or video can be accepted as media type.", subcode=2207052)
        if not image.startswith(JPEG_SIGNATURE):
            # Instagram's content publishing takes JPEG images only.
            return graph_error(
                9004, "The image format is not supported. Only JPEG images are supported", subcode=2207026
            )
        if len(params.get("caption", "")) > 2200:
            return graph_error(100, "The caption is too long", subcode=2207028)
        container = Container(
            str(next(self._ids) + 17_900_000),
            image_url,
            params.get("caption", ""),
            params.get("alt_text", ""),
        )
        self.containers[container.id] = container
        return FakeReply(200, {"id": container.id})

    def _publish(self, params: dict[str, str]) -> FakeReply:
        container = self.containers.get(params.get("creation_id", ""))
        if container is None:
            return graph_error(100, "Media ID is not available", subcode=2207006)
        if container.status_code == "PUBLISHED":
            return graph_error(100, "The media has already been published", subcode=2207008)
        today = datetime.now(UTC) - timedelta(days=1)
        if sum(1 for media in self.media if media.timestamp > today) >= self.daily_publish_limit:
            return graph_error(9, "Application request limit reached", subcode=2207042)
        container.status_code = "PUBLISHED"
        media_id = str(next(self._ids) + 18_000_000)
        image = self.images[container.image_url]
        media = Media(
            id=media_id,
            caption=container.caption,
            alt_text=container.alt_text,
            image=image,
            timestamp=datetime.now(UTC),
            permalink=f"https://www.instagram.com/p/C{media_id}/",
        )
        self.media.append(media)
        return FakeReply(200, {"id": media_id})
