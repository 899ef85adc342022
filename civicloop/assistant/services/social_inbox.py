"""Replies and mentions the city's social accounts get, stored as conversations for the staff inbox.

A periodic task (`tasks_inbox.fetch_social_mentions`) asks each configured account for its new
notifications from where it last read (`SocialMentionsCursor`), and stores each reply or mention once, as an
inbound message of a social conversation. The assistant never answers these: staff do, from the inbox.

One conversation per resident and remote thread. The thread is the post a reply chain starts from: on
Bluesky the `reply.root` every reply names; on Mastodon, which names only the post answered, the thread of
the stored post it answers (the city's reply, the resident's earlier post), else the post it answers (often
the city's announcement), else itself. So the many residents answering one of the city's posts each have a
conversation, and a resident answering the city's reply stays in theirs.

Networks that push instead (X's and Meta's webhooks) store through the same functions: `social_mentions_store`
for X's tweets (threaded as above), `social_messages_store` for messages that carry their thread (Meta's,
via `meta_inbox`). X is also polled where its webhooks are not available; a post is stored once whichever
way it came.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation, SocialMentionsCursor
from civicloop.core.languages import city_language
from civicloop.core.rows import row_exists, row_get, row_insert, row_update
from civicloop.core.writes import write_turn
from civicloop.delivery.selectors import social_post_by_remote_id
from civicloop.integrations.errors import ProviderError
from civicloop.integrations.social import SocialMention, SocialMentions, social_inboxes
from civicloop.integrations.social.x_events import x_mentions_reader

logger = logging.getLogger(__name__)

BODY_MAX = 5000
SOCIAL_MENTION = "social"  # AssistantMessage.handled_as of a reply or mention fetched from a network


def _language(code: str) -> str:
    """The conversation's language from the post's ("es-MX" → "es"), if the city speaks it; else ""."""
    return city_language(code, default="")


def _thread_of(network: str, mention: SocialMention) -> str:
    if mention.thread_root_id:
        return mention.thread_root_id
    if not mention.in_reply_to_id:
        return mention.remote_id
    answered = (
        AssistantMessage.objects.filter(remote_id=mention.in_reply_to_id, conversation__channel=network)
        .select_related("conversation")
        .only("conversation__remote_thread_id")
        .first()
    )
    return answered.conversation.remote_thread_id if answered else mention.in_reply_to_id


@dataclass(frozen=True)
class InboundSocialMessage:
    """A resident's post, comment or private message on a network, ready to be stored in its conversation.

    `thread_id` is the conversation's remote thread: the post a public reply chain starts from, or a
    private thread of its own ("dm:<author id>") for private messages, so the two never mix.
    """

    channel: str
    remote_id: str
    author_id: str
    author_handle: str
    thread_id: str
    text: str
    created_at: datetime
    remote_url: str = ""
    remote_meta: dict[str, Any] = field(default_factory=dict)
    language: str = ""
    media: list[dict[str, str]] = field(default_factory=list)


class MentionsReader(Protocol):
    """What polling needs of an account: its name and its mentions since a position (SocialInbox has it)."""

    network: str

    @property
    def account(self) -> str: ...

    def mentions(self, *, since: str) -> SocialMentions: ...


def _social_message_insert(message: InboundSocialMessage, moment: datetime) -> bool:
    """Store a message not stored before in its conversation (made if new); False if stored meanwhile.

    Every event a network pushes passes here: rows are read and written without the ORM's query
    compiler (core.rows), as the SMS webhook's are.
    """
    posted_at = min(message.created_at, moment)
    thread = {
        "channel": message.channel,
        "remote_account_id": message.author_id,
        "remote_thread_id": message.thread_id,
    }
    try:
        with transaction.atomic():
            conversation = row_get(Conversation, for_update=True, **thread)
            created = False
            if conversation is None:
                made = Conversation(
                    **thread,
                    remote_handle=message.author_handle,
                    language=_language(message.language),
                    city_post=social_post_by_remote_id(network=message.channel, remote_id=message.thread_id),
                    created_at=posted_at,
                    last_message_at=posted_at,
                    needs_answer=True,  # a mention or a message: staff answer it
                )
                # Another delivery may be making it at this moment: the unique index keeps one.
                created = row_insert(made, ignore_conflicts=True)
                conversation = made if created else row_get(Conversation, for_update=True, **thread)
                assert conversation is not None
            row_insert(
                AssistantMessage(
                    conversation=conversation,
                    direction=AssistantMessage.Direction.IN,
                    body=message.text[:BODY_MAX],
                    remote_id=message.remote_id,
                    remote_url=message.remote_url,
                    remote_meta=message.remote_meta,
                    media=message.media,
                    handled_as=SOCIAL_MENTION,
                    created_at=posted_at,
                )
            )
            if not created:
                changes: dict[str, Any] = {"last_message_at": max(conversation.last_message_at, posted_at)}
                if posted_at >= conversation.last_message_at:  # the latest: it waits for an answer
                    changes["needs_answer"] = True
                if message.author_handle and message.author_handle != conversation.remote_handle:
                    changes["remote_handle"] = message.author_handle  # handles change; the id does not
                row_update(Conversation, conversation.pk, changes)
    except IntegrityError:  # another poll or webhook delivery stored it a moment ago
        return False
    return True


def social_messages_store(messages: list[InboundSocialMessage], *, moment: datetime) -> int:
    """Store each message not stored before; returns how many were new.

    Used by webhooks, whose events carry their thread; a network retrying a delivery stores nothing
    twice: the unique index on a message's remote id refuses the copy (its conversation's changes are
    undone with it), which costs less than asking first for the few retries there are.
    """
    seen: set[str] = set()  # the same event twice in one delivery
    stored = 0
    for message in messages:
        if not (message.author_id and message.remote_id and message.thread_id) or message.remote_id in seen:
            continue
        seen.add(message.remote_id)
        stored += _social_message_insert(message, moment)
    return stored


def _mention_store(network: str, mention: SocialMention, moment: datetime) -> bool:
    """Store one reply or mention in its conversation; False when it was stored before (or unusable)."""
    if not mention.author_id or not mention.remote_id:
        return False
    if row_exists(AssistantMessage, direction=AssistantMessage.Direction.IN, remote_id=mention.remote_id):
        return False
    return _social_message_insert(
        InboundSocialMessage(
            channel=network,
            remote_id=mention.remote_id,
            author_id=mention.author_id,
            author_handle=mention.author_handle,
            thread_id=_thread_of(network, mention),
            text=mention.text,
            created_at=mention.created_at,
            remote_url=mention.remote_url,
            remote_meta={
                "handle": mention.author_handle,
                "cid": mention.cid,
                "root_id": mention.thread_root_id,
                "root_cid": mention.thread_root_cid,
                "visibility": mention.visibility,
            },
            language=mention.language,
        ),
        moment,
    )


def social_mentions_store(network: str, mentions: list[SocialMention], *, now: datetime | None = None) -> int:
    """Store the replies and mentions a network pushed (X's webhook); returns how many are new."""
    moment = now or timezone.now()
    with write_turn(), transaction.atomic():  # SQLite: in line for its one writer, not polling
        return sum(_mention_store(network, mention, moment) for mention in mentions)


def social_mentions_fetch(*, inbox: MentionsReader, now: datetime | None = None) -> int:
    """Fetch one account's new replies and mentions and store each once; returns how many were new.

    Reads from the position stored for this account (the first time: the latest page only) and stores
    the new position with the messages, in one transaction. A provider error is raised with nothing
    stored, so the next poll asks again from the same position.
    """
    moment = now or timezone.now()
    cursor = SocialMentionsCursor.objects.filter(network=inbox.network, account=inbox.account).first()
    found = inbox.mentions(since=cursor.position if cursor else "")
    with transaction.atomic():
        stored = sum(_mention_store(inbox.network, mention, moment) for mention in found.mentions)
        SocialMentionsCursor.objects.update_or_create(
            network=inbox.network,
            account=inbox.account,
            defaults={"position": found.position, "fetched_at": moment},
        )
    return stored


def mentions_readers() -> list[MentionsReader]:
    """Every configured account polled for replies and mentions: Mastodon, Bluesky, then X."""
    readers: list[MentionsReader] = [*social_inboxes()]
    x_reader = x_mentions_reader()
    if x_reader is not None:
        readers.append(x_reader)
    return readers


def social_mentions_fetch_all(*, now: datetime | None = None) -> int:
    """Fetch every configured account's new replies and mentions; one failing account does not stop the
    others (it is asked again at the next poll). Returns how many new messages were stored."""
    stored = 0
    for inbox in mentions_readers():
        try:
            stored += social_mentions_fetch(inbox=inbox, now=now)
        except ProviderError as error:
            logger.warning("social inbox: %s notifications not fetched: %s", inbox.network, error)
    return stored
