"""The city's Facebook Page: posting to its feed (Graph API `POST /{page-id}/feed` with `message` and `link`),
authorised by a Page access token with `pages_manage_posts` (and `pages_read_engagement` to read back).

Idempotency: Graph has no idempotency key. Before posting, the adapter reads the Page's own posts made
since the row was queued (`GET /{page-id}/posts?since=`, one page of 100) and returns one whose message is
exactly this text: the text carries the announcement's own link, and each announcement is posted to the
Page once, so the same message since then is the earlier attempt. The same look is made when Graph
refuses a post as a duplicate (error 506). Limits: a post made by hand with the very same text would be
taken for ours; a post not yet visible to reads the instant after it was made would be posted again (the
retry schedule waits at least seconds between attempts, and Graph reads back its own writes).
"""

from datetime import datetime, timedelta
from typing import Any

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult
from civicloop.integrations.social.graph import DEFAULT_GRAPH_URL, GraphClient, MetaReplies
from civicloop.integrations.social.text import FACEBOOK_LIMIT, meta_length

WEB_URL = "https://www.facebook.com"
# Clocks differ: look a little before the queue time for the earlier attempt.
LOOKBACK_SLACK = timedelta(minutes=5)
POSTS_PAGE = 100


class FacebookPagePoster:
    """The city's Facebook Page, posted to with its Page access token."""

    network = "facebook"
    limit = FACEBOOK_LIMIT

    def __init__(
        self,
        page_id: str,
        page_access_token: str,
        graph_url: str = DEFAULT_GRAPH_URL,
        timeout: float = 10,
        *,
        web_url: str = WEB_URL,
    ) -> None:
        self.page_id = page_id
        self.web_url = web_url.rstrip("/")
        self._graph = GraphClient(graph_url, page_access_token, timeout=timeout)

    @property
    def account(self) -> str:
        return f"{self._graph.graph_url}#{self.page_id}"

    def count(self, text: str) -> int:
        return meta_length(text)

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult:
        """Publish `text` on the Page with `link` as its preview; an earlier attempt's post is returned.

        `idempotency_key` is not sent (Graph has none): see the module's docstring for how posts stay single.
        """
        earlier = self.earlier_post(text=text, created_at=created_at)
        if earlier is not None:
            return earlier
        what = "Facebook Page post"
        try:
            body = self._graph.post(f"{self.page_id}/feed", {"message": text, "link": link}, what=what)
        except PermanentProviderError as error:
            duplicate = (
                self.earlier_post(text=text, created_at=created_at) if error.code == "duplicate" else None
            )
            if duplicate is None:
                raise
            return duplicate
        post_id = body.get("id")
        if not isinstance(post_id, str) or not post_id:
            # The post may exist; the next attempt looks for it before posting.
            raise TransientProviderError(f"{what}: answer lacks an id", raw=str(body)[:500], code="garbage")
        return SocialPostResult(remote_id=post_id, remote_url=self._post_url(post_id, ""))

    def earlier_post(self, *, text: str, created_at: datetime) -> SocialPostResult | None:
        """The Page's post with exactly `text`, made since `created_at` (less the slack), if there is one."""
        since = int((created_at - LOOKBACK_SLACK).timestamp())
        body = self._graph.get(
            f"{self.page_id}/posts",
            {
                "fields": "id,message,created_time,permalink_url",
                "since": str(since),
                "limit": str(POSTS_PAGE),
            },
            what="Facebook Page posts",
        )
        items = body.get("data")
        for item in items if isinstance(items, list) else []:
            if _same_message(item, text):
                return SocialPostResult(
                    remote_id=str(item["id"]),
                    remote_url=self._post_url(str(item["id"]), item.get("permalink_url")),
                )
        return None

    def _post_url(self, post_id: str, permalink: Any) -> str:
        if isinstance(permalink, str) and permalink.startswith("https://"):
            return permalink
        # A Page post id is "<page id>_<post id>"; facebook.com/<page id>/posts/<post id> opens it.
        page, _, number = post_id.partition("_")
        return f"{self.web_url}/{page}/posts/{number}" if number else f"{self.web_url}/{post_id}"


def _same_message(item: Any, text: str) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str)
        and str(item.get("message", "")).strip() == text.strip()
    )


class FacebookPageReplies(MetaReplies):
    """Answering residents from the Page: `POST /{comment-id}/comments` under a comment, and Messenger
    messages `POST /{page-id}/messages` (`pages_manage_engagement`, `pages_messaging`)."""

    network = "facebook"
    limit = FACEBOOK_LIMIT
    reply_edge = "comments"
    conversations_platform = "messenger"

    def __init__(
        self, page_id: str, page_access_token: str, graph_url: str = DEFAULT_GRAPH_URL, timeout: float = 10
    ) -> None:
        super().__init__(page_id, page_id, GraphClient(graph_url, page_access_token, timeout=timeout))
