"""Bluesky's record format: the record key (a TID) of a post, its link facets and AT Protocol times.

The rkey is a TID (13 base32-sortable characters: microseconds since 1970 and a 10-bit clock id) because
app.bsky.feed.post declares `"key": "tid"` and the Bluesky app does not show posts stored under other keys.
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

POST_COLLECTION = "app.bsky.feed.post"
LINK_FEATURE = "app.bsky.richtext.facet#link"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")


def record_key_for(idempotency_key: str, created_at: datetime) -> str:
    """A TID, the same for the same (key, time): the time in microseconds, a clock id from the key."""
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    microseconds = (created_at - _EPOCH) // _ONE_MICROSECOND
    clock_id = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:2], "big") & 0x3FF
    # The top bit stays 0: 53 bits of microseconds last until the year 2255.
    value = ((microseconds & ((1 << 53) - 1)) << 10) | clock_id
    characters = []
    for _ in range(13):
        characters.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(characters))


def link_facet(text: str, link: str) -> dict[str, Any]:
    """The rich-text facet that makes the last occurrence of `link` in `text` clickable.

    Bluesky indexes facets by UTF-8 byte offsets (not characters), end exclusive.
    """
    position = text.rfind(link)
    if position < 0:
        raise ValueError("The post text must contain its link.")
    start = len(text[:position].encode("utf-8"))
    return {
        "index": {"byteStart": start, "byteEnd": start + len(link.encode("utf-8"))},
        "features": [{"$type": LINK_FEATURE, "uri": link}],
    }


def link_facets(text: str) -> list[dict[str, Any]]:
    """A link facet for every web address in `text` (Bluesky shows none clickable without one)."""
    facets = []
    for found in _URL_IN_TEXT.finditer(text):
        start = len(text[: found.start()].encode("utf-8"))
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(found.group(0).encode("utf-8"))},
                "features": [{"$type": LINK_FEATURE, "uri": found.group(0)}],
            }
        )
    return facets


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def atproto_datetime(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and "Z", the form the Bluesky app writes."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
