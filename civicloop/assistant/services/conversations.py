"""A resident's conversation, found or made, and locked for the message being handled; its changes are
staged while the message is handled and written once at the end (one UPDATE a message, not one a step)."""

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Subquery

from civicloop.assistant.models import NO_ANSWER_NEEDED, PHONE_CHANNELS, AssistantMessage, Conversation
from civicloop.core.rows import row_exists, row_get, row_insert, row_update
from civicloop.delivery.models import Suppression

# How a message to a conversation staff have taken over is handled: stored, not answered by the assistant.
TAKEN_OVER = "taken_over"


def conversation_locked(
    *, channel: str, phone: str = "", web_key: str = "", language: str = "", moment: datetime
) -> Conversation:
    """The conversation of this number (texts) or visitor (web), locked until the caller's transaction
    ends, so two messages of one person are handled one after the other; made on their first message.

    A text (or WhatsApp) conversation comes with `sms_suppressed`: whether the number is on that
    channel's suppression list as opted out. (Read without the ORM's compiler: this runs for every text,
    see core.rows.)
    """
    identity = {"phone": phone} if channel in PHONE_CHANNELS else {"web_key": web_key}
    found = row_get(Conversation, for_update=True, channel=channel, **identity)
    if found is None:
        made = Conversation(
            channel=channel, language=language, created_at=moment, last_message_at=moment, **identity
        )
        # The same person's other message may be making it at this moment: the unique index keeps one.
        found = (
            made
            if row_insert(made, ignore_conflicts=True)
            else row_get(Conversation, for_update=True, channel=channel, **identity)
        )
        assert found is not None
    if channel in PHONE_CHANNELS:  # the delivery channels are named as these: "sms", "whatsapp"
        found.sms_suppressed = row_exists(
            Suppression, channel=channel, value=phone, reason=Suppression.Reason.OPTED_OUT
        )
    return found


def conversation_stage(conversation: Conversation, **fields: Any) -> None:
    """Change the conversation now (in memory) and remember to write it with `conversation_save`."""
    for name, value in fields.items():
        setattr(conversation, name, value)
    conversation.staged_fields = {**(conversation.staged_fields or {}), **fields}


def conversation_save(conversation: Conversation, **fields: Any) -> None:
    """Write the staged changes and `fields` in one UPDATE."""
    conversation_stage(conversation, **fields)
    values = conversation.staged_fields or {}
    if values:
        row_update(Conversation, conversation.pk, values)
    conversation.staged_fields = None


def answer_needed(*, handled_as: str, answered: bool) -> bool:
    """A resident's message left as the latest of its conversation asks staff for an answer: nobody
    answered it and the assistant did not answer it in full."""
    return not answered and handled_as not in NO_ANSWER_NEEDED


def needs_answer_refresh(conversation_ids: list[int] | None = None) -> int:
    """Set `needs_answer` from each conversation's latest message (all of them, or these), in one UPDATE:
    for rows written without the message paths (a migration, the benchmark's fill)."""
    latest = AssistantMessage.objects.filter(conversation=OuterRef(OuterRef("pk"))).order_by(
        "-created_at", "-id"
    )
    waiting = AssistantMessage.objects.filter(
        pk=Subquery(latest.values("pk")[:1]), direction=AssistantMessage.Direction.IN
    ).exclude(handled_as__in=NO_ANSWER_NEEDED)
    conversations = Conversation.objects.all()
    if conversation_ids is not None:
        conversations = conversations.filter(pk__in=conversation_ids)
    return conversations.update(needs_answer=Exists(waiting))
