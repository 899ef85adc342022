"""Residents' comments and private messages on the city's Facebook Page and Instagram account, from Meta's
webhook into the staff inbox (stored like Mastodon and Bluesky replies: `social_inbox`).

Conversations: a public comment goes to the resident's conversation on the post commented on (channel
facebook/instagram, remote_account_id = the commenter's id, remote_thread_id = the post id), as many
residents commenting on one of the city's posts each have theirs; private messages (Messenger, Instagram
direct) go to one conversation per resident whose remote_thread_id is "dm:<sender id>", never mixed with
their public comments. Each message's `remote_meta["kind"]` says "comment" or "message" (with the comment's
`post_id` and `parent_id`). The resident's last message time, which the 24-hour messaging window counts
from, is the latest inbound message's `created_at` in their private conversation.

Meta retries deliveries: a comment id or message `mid` is stored once. An edit replaces the stored text
(the first text is kept in `remote_meta["first_text"]`) and marks it `edited_at`; a comment deleted (or a
message unsent) by its author keeps its row, marked `deleted_at`, so the thread can say so.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicloop.assistant.inbox_selectors import PRIVATE_THREAD_PREFIX
from civicloop.assistant.models import AssistantMessage
from civicloop.assistant.services.social_inbox import InboundSocialMessage, social_messages_store
from civicloop.core.writes import write_turn
from civicloop.integrations.social.meta_events import ADD, MESSAGE, REMOVE, MetaEvent


def private_thread_id(author_id: str) -> str:
    """The remote thread of a resident's private messages with the city on one network."""
    return f"{PRIVATE_THREAD_PREFIX}{author_id}"


def _inbound(event: MetaEvent, marks: dict[str, Any] | None = None) -> InboundSocialMessage:
    private = event.kind == MESSAGE
    meta: dict[str, Any] = {"kind": event.kind}
    if not private:
        meta.update(post_id=event.post_id, parent_id=event.parent_id)
    return InboundSocialMessage(
        channel=event.network,
        remote_id=event.remote_id,
        author_id=event.author_id,
        author_handle=event.author_name,
        thread_id=private_thread_id(event.author_id) if private else event.post_id,
        text=event.text,
        created_at=event.created_at,
        remote_meta={**meta, **(marks or {})},
        media=[{"url": url, "content_type": kind} for url, kind in event.media if url],
    )


def _change(event: MetaEvent, moment: datetime) -> int:
    """Apply an edit or a removal to the stored message (stored as it now stands if it never came)."""
    when = min(event.created_at, moment).isoformat()
    stored = (
        AssistantMessage.objects.filter(
            direction=AssistantMessage.Direction.IN,
            remote_id=event.remote_id,
            conversation__channel=event.network,
        )
        .only("body", "remote_meta")
        .first()
    )
    if stored is None:  # its "add" was lost or comes later: a late "add" then finds it stored
        marks = {"deleted_at": when} if event.verb == REMOVE else {"edited_at": when}
        return social_messages_store([_inbound(event, marks)], moment=moment)
    meta = dict(stored.remote_meta)
    changes: dict[str, Any] = {}
    if event.verb == REMOVE:
        if meta.get("deleted_at"):
            return 0  # a retried removal
        meta["deleted_at"] = when
    else:
        if meta.get("deleted_at") or event.text == stored.body:
            return 0  # a retried edit, or an edit racing its removal
        meta.setdefault("first_text", stored.body)
        meta["edited_at"] = when
        changes["body"] = event.text
    AssistantMessage.objects.filter(pk=stored.pk).update(remote_meta=meta, **changes)
    return 1


def meta_events_store(events: list[MetaEvent], *, now: datetime | None = None) -> int:
    """Store a webhook delivery's comments and messages, then its edits and removals, in one transaction;
    returns how many messages were stored or changed (0 for a retried delivery)."""
    moment = now or timezone.now()
    with write_turn(), transaction.atomic():  # SQLite: in line for its one writer, not polling
        stored = social_messages_store(
            [_inbound(event) for event in events if event.verb == ADD], moment=moment
        )
        for event in events:
            if event.verb != ADD:
                stored += _change(event, moment)
    return stored
