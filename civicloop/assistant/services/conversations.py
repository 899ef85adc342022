"""A resident's conversation, found or made, and locked for the message being handled."""

from datetime import datetime

from django.db import IntegrityError, transaction

from civicloop.assistant.models import Conversation

# How a message to a conversation staff have taken over is handled: stored, not answered by the assistant.
TAKEN_OVER = "taken_over"


def conversation_locked(
    *, channel: str, phone: str = "", web_key: str = "", language: str = "", moment: datetime
) -> Conversation:
    """The conversation of this number (texts) or visitor (web), locked until the caller's transaction
    ends, so two messages of one person are handled one after the other; made on their first message."""
    identity = {"phone": phone} if channel == Conversation.Channel.SMS else {"web_key": web_key}
    conversations = Conversation.objects.select_for_update()
    found = conversations.filter(channel=channel, **identity).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            Conversation.objects.create(
                channel=channel, language=language, created_at=moment, last_message_at=moment, **identity
            )
    except IntegrityError:  # the same person's other message made it a moment ago
        pass
    return conversations.get(channel=channel, **identity)
