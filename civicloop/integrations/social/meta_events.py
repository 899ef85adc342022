"""Meta's webhook (Facebook Page, Messenger, Instagram): the subscription check, the signature every event
carries, and the events the city's inbox takes in, as plain dataclasses (nothing here touches the database).

Meta signs each POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app
secret>`. A body is `{"object": "page"|"instagram", "entry": [{"id", "time", "changes": [{"field", "value"}]
| "messaging": [{"sender", "recipient", "timestamp", "message"}]}]}`; `entry.id` is the Page or the
Instagram account the events are for. Taken in: Page feed comments (`field: feed`, `item: comment`, verb
add/edited/remove), Messenger messages, Instagram comments (`field: comments`) and Instagram messages, with
message edits and unsent messages. Everything else (likes, reactions, the city's own comments and messages,
other Pages) is counted as ignored.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FACEBOOK = "facebook"
INSTAGRAM = "instagram"
COMMENT = "comment"
MESSAGE = "message"
ADD = "add"
EDITED = "edited"
REMOVE = "remove"
SIGNATURE_PREFIX = "sha256="
# Meta's events are small (a comment, a message); a body this large is not one of them.
MAX_BODY_BYTES = 1_000_000
# Timestamps above this are milliseconds (Messenger), below it seconds (feed changes): 1973 vs 5138 AD.
_MILLISECONDS_FROM = 100_000_000_000


class MetaEventsInvalid(ValueError):
    """The body is not a Meta webhook body (not JSON, or not shaped like one)."""


@dataclass(frozen=True)
class MetaEvent:
    """A resident's comment or private message to the city's Page or Instagram account.

    `verb`: "add" (new), "edited" (new text) or "remove" (deleted or unsent by its author). `post_id`: the
    post a comment is on (a Page post "<page>_<post>", an Instagram media id); "" for a message.
    """

    network: str  # "facebook" | "instagram"
    kind: str  # "comment" | "message"
    verb: str
    remote_id: str  # the comment id, or the message's `mid`
    author_id: str  # the commenter's id (Page-scoped for Messenger, IGSID for Instagram messages)
    author_name: str  # Facebook: the commenter's name; Instagram: the username; "" for messages
    text: str
    created_at: datetime
    post_id: str = ""
    parent_id: str = ""  # the comment a reply answers ("" or the post id for a top-level comment)
    media: tuple[tuple[str, str], ...] = ()  # a message's attachments: (url, type)


@dataclass(frozen=True)
class MetaEvents:
    events: list[MetaEvent]
    ignored: int  # changes and messages that are not the city's inbox's business


def meta_subscription_challenge(params: dict[str, str], *, verify_token: str) -> str | None:
    """The `hub.challenge` to answer when the subscription check carries our verify token, else None."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(params.get("hub.verify_token", "").encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge", "")


def meta_signature(body: bytes, *, app_secret: str) -> str:
    """The X-Hub-Signature-256 Meta sends with `body`."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def meta_signature_valid(body: bytes, header: str, *, app_secret: str) -> bool:
    """True when `header` is Meta's signature of exactly these bytes (never without a secret)."""
    if not app_secret or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(header.encode(), meta_signature(body, app_secret=app_secret).encode())


def _moment(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):  # Graph API's "2026-12-07T12:00:00+0000"
            try:
                return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                return fallback
        return fallback
    seconds = value / 1000 if value >= _MILLISECONDS_FROM else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return fallback


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str:
    """An id as Meta sends it (a string; some older payloads send numbers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MetaEventsInvalid(f"{what} is not a list")
    return value


def _feed_comment(value: dict[str, Any], page_id: str, fallback: datetime) -> MetaEvent | None:
    """A Page feed change about a comment (not the Page's own), or None."""
    author = _mapping(value.get("from"))
    verb = _text(value.get("verb"))
    if value.get("item") != "comment" or verb not in (ADD, EDITED, REMOVE):
        return None
    comment_id, author_id = _id(value.get("comment_id")), _id(author.get("id"))
    if not comment_id or not author_id or author_id == page_id:
        return None
    post_id = _id(value.get("post_id"))
    return MetaEvent(
        network=FACEBOOK,
        kind=COMMENT,
        verb=verb,
        remote_id=comment_id,
        author_id=author_id,
        author_name=_text(author.get("name")),
        text=_text(value.get("message")),
        created_at=_moment(value.get("created_time"), fallback),
        post_id=post_id,
        parent_id=_id(value.get("parent_id")) or post_id,
    )


def _instagram_comment(value: dict[str, Any], account_id: str, fallback: datetime) -> MetaEvent | None:
    author = _mapping(value.get("from"))
    comment_id, author_id = _id(value.get("id")), _id(author.get("id"))
    if not comment_id or not author_id or author_id == account_id:
        return None
    post_id = _id(_mapping(value.get("media")).get("id"))
    return MetaEvent(
        network=INSTAGRAM,
        kind=COMMENT,
        verb=ADD,
        remote_id=comment_id,
        author_id=author_id,
        author_name=_text(author.get("username")),
        text=_text(value.get("text")),
        created_at=fallback,
        post_id=post_id,
        parent_id=_id(value.get("parent_id")) or post_id,
    )


def _messaging(item: Any, network: str, account_id: str) -> MetaEvent | None:
    """A resident's message, its edit, or its unsending; None for echoes, reads, reactions and the like."""
    item = _mapping(item)
    sender_id = _id(_mapping(item.get("sender")).get("id"))
    if not sender_id or sender_id == account_id:
        return None
    created_at = _moment(item.get("timestamp"), datetime.now(UTC))
    edit = _mapping(item.get("message_edit"))
    if edit:
        mid = _id(edit.get("mid"))
        if not mid:
            return None
        return MetaEvent(network, MESSAGE, EDITED, mid, sender_id, "", _text(edit.get("text")), created_at)
    message = _mapping(item.get("message"))
    mid = _id(message.get("mid"))
    if not mid or message.get("is_echo"):
        return None
    if message.get("is_deleted"):
        return MetaEvent(network, MESSAGE, REMOVE, mid, sender_id, "", "", created_at)
    media = tuple(
        (_text(_mapping(attachment.get("payload")).get("url")), _text(attachment.get("type")))
        for attachment in _list(message.get("attachments"), "message.attachments")
        if isinstance(attachment, dict)
    )
    return MetaEvent(
        network, MESSAGE, ADD, mid, sender_id, "", _text(message.get("text")), created_at, media=media
    )


def meta_events_parse(body: bytes, *, page_id: str, instagram_account_id: str) -> MetaEvents:
    """The residents' comments and messages in a (signature-checked) webhook body, for the city's Page
    and Instagram account only; raises MetaEventsInvalid when the body is not a Meta webhook body."""
    if len(body) > MAX_BODY_BYTES:
        raise MetaEventsInvalid("body too large")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MetaEventsInvalid("body is not JSON") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("object"), str):
        raise MetaEventsInvalid("body is not a Meta webhook object")
    entries = _list(payload.get("entry"), "entry")
    if any(not isinstance(entry, dict) for entry in entries):
        raise MetaEventsInvalid("an entry is not an object")
    city_account = {"page": (FACEBOOK, page_id), "instagram": (INSTAGRAM, instagram_account_id)}.get(
        payload["object"]
    )
    events: list[MetaEvent] = []
    ignored = 0
    for entry in entries:
        changes = _list(entry.get("changes"), "entry.changes")
        messaging = _list(entry.get("messaging"), "entry.messaging")
        if city_account is None or not city_account[1] or _id(entry.get("id")) != city_account[1]:
            ignored += len(changes) + len(messaging)  # another Page or account, or another product
            continue
        network, account_id = city_account
        fallback = _moment(entry.get("time"), datetime.now(UTC))
        for change in changes:
            change = _mapping(change)
            value = _mapping(change.get("value"))
            event: MetaEvent | None = None
            if network == FACEBOOK and change.get("field") == "feed":
                event = _feed_comment(value, account_id, fallback)
            elif network == INSTAGRAM and change.get("field") == "comments":
                event = _instagram_comment(value, account_id, fallback)
            if event is None:
                ignored += 1
            else:
                events.append(event)
        for item in messaging:
            event = _messaging(item, network, account_id)
            if event is None:
                ignored += 1
            else:
                events.append(event)
    return MetaEvents(events=events, ignored=ignored)
