"""A local Graph API server speaking enough of Facebook Page posting and Instagram content publishing to
exercise the adapters for real:

- `POST /{page-id}/feed` (form: message, link) → `{"id": "<page>_<post>"}`; the same message again within
  a day is refused as Graph does (error 506, "Duplicate status message"); `GET /{page-id}/posts` with
  `since` (a Unix time), `fields`, `limit`, newest first.
- `POST /{ig-user-id}/media` (form: image_url, caption, alt_text) → a container (the image is "fetched"
  from `images`, URL → bytes, which tests fill; any other URL is refused as unreachable, and anything but
  JPEG as unsupported, error 9004); `POST /{ig-user-id}/media_publish` (creation_id) → the media id, at most `daily_publish_limit`
  a day (error 9, subcode 2207042); `GET /{ig-user-id}/media` and `GET /{media-id}`.

Replies (what the staff inbox sends): comments residents wrote are added with `add_comment`, and their
last private message with `resident_wrote`.

- `POST /{comment-id}/comments` (Facebook, form: message) and `POST /{ig-comment-id}/replies` (Instagram,
  top-level comments only, else error 100) → `{"id"}`; `GET` on either lists the replies with `from`;
  a deleted comment answers error 100 (subcode 33), as a comment that does not exist.
- `POST /{page-id}/messages` and `POST /me/messages` (form: recipient, message as JSON, messaging_type,
  tag) → `{"recipient_id", "message_id"}`: to `{"id"}` within 24 hours of the resident's last message, or
  up to 7 days with `messaging_type=MESSAGE_TAG` and `tag=HUMAN_AGENT`; to `{"comment_id"}` once per
  comment within 7 days of it; otherwise error 10, subcode 2018278, as Meta refuses outside the window.
- `GET /{page-id}/conversations` and `GET /me/conversations` (platform, user_id, fields with
  `messages.limit(N)`): the conversation with that person, the messages the account sent, newest first.

Paths carry the version (`/v21.0/...`) like Graph's; the access token is a Bearer header (or
`access_token`). Errors have Graph's shape; failures injected with `fail_next` are Graph's too: throttling
(code 32, with X-Business-Use-Case-Usage saying when access returns), a temporary error (code 2,
`is_transient`), garbage, timeouts.

    with FakeMeta() as meta:
        poster = FacebookPagePoster(meta.page_id, meta.page_access_token, meta.graph_url)
"""

import itertools
import json
import re
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


@dataclass
class Comment:
    id: str
    network: str  # "facebook" | "instagram"
    author_id: str
    created_time: datetime
    parent_id: str = ""  # the top-level comment a reply is in
    deleted: bool = False
    private_replied: bool = False


@dataclass
class CommentReply:
    id: str
    comment_id: str
    from_id: str
    message: str
    created_time: datetime

    def json(self) -> dict[str, Any]:
        written = self.created_time.strftime("%Y-%m-%dT%H:%M:%S+0000")
        return {
            "id": self.id,
            "message": self.message,
            "from": {"id": self.from_id},
            "created_time": written,
            "timestamp": written,
        }


@dataclass
class SentMessage:
    id: str
    node: str
    recipient: dict[str, str]
    text: str
    messaging_type: str
    tag: str
    created_time: datetime = field(default_factory=lambda: datetime.now(UTC))


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
        self.comments: dict[str, Comment] = {}
        self.replies: list[CommentReply] = []
        self.messages: list[SentMessage] = []
        self.last_message_from: dict[str, datetime] = {}
        self._ids = itertools.count(1)

    def add_comment(
        self,
        comment_id: str,
        *,
        network: str = "facebook",
        author_id: str = "7001",
        created_time: datetime | None = None,
        parent_id: str = "",
    ) -> Comment:
        comment = Comment(comment_id, network, author_id, created_time or datetime.now(UTC), parent_id)
        self.comments[comment_id] = comment
        return comment

    def resident_wrote(self, sender_id: str, at: datetime | None = None) -> None:
        """The resident's last private message to the Page or account, which the windows count from."""
        self.last_message_from[sender_id] = at or datetime.now(UTC)

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
        if len(parts) == 2 and parts[0] in (self.page_id, "me") and route == ("POST", "{node}", "messages"):
            return self._send_message(parts[0], params)
        if (
            len(parts) == 2
            and parts[0] in (self.page_id, "me")
            and route == ("GET", "{node}", "conversations")
        ):
            return self._conversations(parts[0], params)
        if len(parts) == 2 and parts[0] in self.comments and parts[1] in ("comments", "replies"):
            return self._comment_replies(request.method, self.comments[parts[0]], parts[1], params)
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

    # ---------------------------------------------------------------------------------------- replies

    def _comment_replies(self, method: str, comment: Comment, edge: str, params: dict[str, str]) -> FakeReply:
        if comment.deleted or edge != ("comments" if comment.network == "facebook" else "replies"):
            return graph_error(100, "Unsupported request - method type or object does not exist", subcode=33)
        if method == "GET":
            found = [reply.json() for reply in self.replies if reply.comment_id == comment.id]
            return FakeReply(200, {"data": found[: int(params.get("limit") or 25)], "paging": {}})
        if comment.parent_id:  # Instagram answers top-level comments only
            return graph_error(100, "(#100) Replies to replies are not supported")
        message = params.get("message", "")
        if not message.strip():
            return graph_error(100, "(#100) Missing message")
        account = self.page_id if comment.network == "facebook" else self.instagram_id
        reply = CommentReply(
            str(next(self._ids) + 19_000_000), comment.id, account, message, datetime.now(UTC)
        )
        self.replies.append(reply)
        return FakeReply(200, {"id": reply.id})

    def _conversations(self, node: str, params: dict[str, str]) -> FakeReply:
        """The conversation with `user_id` on `platform`, its latest messages first (those the account sent)."""
        user = params.get("user_id", "")
        if not user or params.get("platform") not in ("messenger", "instagram"):
            return graph_error(100, "(#100) Invalid parameter")
        found = re.search(r"messages\.limit\((\d+)\)", params.get("fields", ""))
        limit = int(found.group(1)) if found else 25
        account = self.page_id if node == self.page_id else self.instagram_id
        sent = [m for m in self.messages if m.node == node and str(m.recipient.get("id", "")) == user]
        if not sent:
            return FakeReply(200, {"data": [], "paging": {}})
        messages = [
            {
                "id": m.id,
                "message": m.text,
                "from": {"id": account},
                "created_time": m.created_time.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            }
            for m in reversed(sent)
        ][:limit]
        return FakeReply(200, {"data": [{"id": f"t_{user}", "messages": {"data": messages, "paging": {}}}]})

    def _send_message(self, node: str, params: dict[str, str]) -> FakeReply:
        try:
            recipient = json.loads(params.get("recipient", ""))
            text = json.loads(params.get("message", ""))["text"]
        except (ValueError, KeyError, TypeError):
            return graph_error(100, "(#100) Invalid parameter")
        now = datetime.now(UTC)
        outside = graph_error(
            10, "(#10) This message is sent outside of allowed window.", subcode=2018278, status=400
        )
        messaging_type, tag = params.get("messaging_type", ""), params.get("tag", "")
        if "comment_id" in recipient:
            comment = self.comments.get(str(recipient["comment_id"]))
            if comment is None or comment.deleted:
                return graph_error(100, "(#100) Invalid comment_id", subcode=33)
            if comment.private_replied or now - comment.created_time > timedelta(days=7):
                return outside
            comment.private_replied = True
        else:
            last = self.last_message_from.get(str(recipient.get("id", "")))
            if last is None:
                return graph_error(100, "(#100) No matching user found", subcode=2018001)
            tagged = messaging_type == "MESSAGE_TAG" and tag == "HUMAN_AGENT"
            if now - last >= (timedelta(days=7) if tagged else timedelta(hours=24)):
                return outside
        sent = SentMessage(f"m_{next(self._ids)}", node, recipient, text, messaging_type, tag)
        self.messages.append(sent)
        return FakeReply(200, {"recipient_id": str(recipient.get("id", "")), "message_id": sent.id})
