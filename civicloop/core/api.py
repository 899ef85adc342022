"""What every router of /api/v1/ shares: list paging and the public web address of an item."""

from urllib.parse import urlencode

from django.conf import settings
from ninja import Field
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Beyond a 64-bit integer the database refuses the OFFSET itself (a 500): answer 422 like any bad value.
MAX_OFFSET = 2**62


class PublicListPagination(LimitOffsetPagination):
    """`limit` (1 to 200, 50 by default) and `offset`; answers `{"items": [...], "count": n}`."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 200)")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)  # type: ignore[arg-type]


def web_url(path: str, **query: str) -> str:
    """The public web page's address, as residents would share it."""
    return f"{settings.SITE_URL}{path}" + (f"?{urlencode(query)}" if query else "")
