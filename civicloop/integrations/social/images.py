"""Posts that carry an image: Instagram publishes nothing else, and the demo's file poster keeps a copy.

A poster that can post an image offers `post_with_image` besides `post`; the caller checks with
`isinstance(poster, SocialImagePoster)` and hands it the announcement's card.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from civicloop.integrations.social.base import SocialPostResult


@dataclass(frozen=True)
class SocialImage:
    """An image at a public address, with the words a screen reader says for it.

    `render` gives the image's bytes for posters that store it rather than fetch it (the demo's files).
    """

    url: str
    alt_text: str
    render: Callable[[], bytes] | None = field(default=None, compare=False)


@runtime_checkable
class SocialImagePoster(Protocol):
    """A SocialPoster that can publish an image with its text (the same idempotency rules as `post`)."""

    network: str
    limit: int

    def count(self, text: str) -> int: ...

    def post(
        self, *, text: str, link: str, idempotency_key: str, created_at: datetime, language: str = "en"
    ) -> SocialPostResult: ...

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
        """Publish `image` with `text` as its caption; the same key and time publish it once."""
        ...
