"""Reads for the inbox as a service desk: labels, saved views, @mentions, one resident's joined thread, a
conversation's desk events, notes and labels."""

from dataclasses import dataclass

from civicloop.assistant.inbox_selectors import THREAD_MESSAGES, ThreadMessage, message_text
from civicloop.assistant.models import (
    AssistantMessage,
    Conversation,
    InboxEvent,
    InboxLabel,
    InboxMention,
    InboxNote,
    InboxSavedView,
)


def inbox_labels() -> list[InboxLabel]:
    return list(InboxLabel.objects.all())


def inbox_saved_views(*, owner_id: int) -> list[InboxSavedView]:
    return list(InboxSavedView.objects.filter(owner_id=owner_id))


@dataclass(frozen=True)
class MentionRow:
    conversation_id: int
    author: str
    created_at: object


def inbox_mentions_for(*, user_id: int, limit: int = 10) -> list[MentionRow]:
    """The notes that mention this member of staff and that they have not opened yet, newest first."""
    found = (
        InboxMention.objects.filter(mentioned_id=user_id, seen_at__isnull=True)
        .select_related("note")
        .order_by("-note__created_at", "-id")[:limit]
    )
    return [
        MentionRow(
            conversation_id=mention.note.conversation_id,
            author=mention.note.author_name,
            created_at=mention.note.created_at,
        )
        for mention in found
    ]


def inbox_thread_members(conversation: Conversation) -> list[Conversation]:
    """The resident's conversations shown with this one (itself included), oldest first."""
    if conversation.resident_thread_id is None:
        return [conversation]
    return list(
        Conversation.objects.filter(resident_thread_id=conversation.resident_thread_id).order_by(
            "created_at", "id"
        )
    )


def reply_default_conversation(members: list[Conversation]) -> Conversation:
    """Where a reply goes unless staff choose: the conversation the resident last wrote on (one query)."""
    if len(members) == 1:
        return members[0]
    latest = (
        AssistantMessage.objects.filter(conversation__in=members, direction=AssistantMessage.Direction.IN)
        .order_by("-created_at", "-id")
        .values_list("conversation_id", flat=True)
        .first()
    )
    by_id = {member.pk: member for member in members}
    return by_id.get(latest or 0, members[-1])


def inbox_joined_thread(members: list[Conversation], *, show_contact_details: bool) -> list[ThreadMessage]:
    """The latest messages of all the resident's joined conversations, in time order (one query)."""
    by_id = {member.pk: member for member in members}
    latest = (
        AssistantMessage.objects.filter(conversation__in=members)
        .select_related("sent_by")
        .order_by("-created_at", "-id")[:THREAD_MESSAGES]
    )
    thread = []
    for message in reversed(list(latest)):
        conversation = by_id[message.conversation_id]
        message.conversation = conversation  # the template shows each message's channel
        inbound = message.direction == AssistantMessage.Direction.IN
        text = (
            message_text(conversation, message.body, show_contact_details=show_contact_details)
            if inbound
            else message.body
        )
        thread.append(ThreadMessage(message=message, text=text, by_staff=message.sent_by_id is not None))
    return thread


def inbox_desk_events(*, conversation_id: int, limit: int = 100) -> list[InboxEvent]:
    return list(
        InboxEvent.objects.filter(conversation_id=conversation_id).order_by("-created_at", "-id")[:limit]
    )


def inbox_notes(*, conversation_id: int) -> list[InboxNote]:
    return list(InboxNote.objects.filter(conversation_id=conversation_id))


def inbox_conversation_labels(*, conversation_id: int) -> list[InboxLabel]:
    return list(InboxLabel.objects.filter(conversations__id=conversation_id))


def inbox_conversation_exists(conversation_id: int) -> bool:
    return Conversation.objects.filter(pk=conversation_id).exists()


def inbox_same_resident(conversation_id: int, other_id: int) -> bool:
    """Whether the two conversations are joined in one resident's thread."""
    threads = set(
        Conversation.objects.filter(pk__in=[conversation_id, other_id]).values_list(
            "resident_thread_id", flat=True
        )
    )
    return len(threads) == 1 and None not in threads
