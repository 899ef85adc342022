"""The assistant on the web (/assistant/): the same engine as by text, one conversation per visitor."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.compliance import HELP_WORDS, help_text, keyword_of
from civicloop.assistant.services.conversations import (
    TAKEN_OVER,
    answer_needed,
    conversation_locked,
    conversation_save,
)
from civicloop.assistant.services.engine import EngineReply, conversation_reply, reply_prepare
from civicloop.core.writes import write_turn

WEB_BODY_MAX = 1000


def web_message_handle(*, web_key: str, body: str, language: str, now: datetime | None = None) -> EngineReply:
    """Store a web visitor's message and the assistant's answer (the engine's, or HELP's); while staff
    have taken the conversation over, only HELP is answered (the reply's text is "" otherwise).

    `language` is the page's: HELP is answered in it until the visitor chooses one (LANG ES).
    """
    moment = now or timezone.now()
    body = body.strip()[:WEB_BODY_MAX]
    reply_prepare(channel=Conversation.Channel.WEB, web_key=web_key, body=body)
    with write_turn(), transaction.atomic():  # SQLite: in line for its one writer, not polling
        conversation = conversation_locked(
            # No language yet: a page's language may be only the browser's; each question's own counts.
            channel=Conversation.Channel.WEB,
            web_key=web_key,
            moment=moment,
        )
        if any(keyword_of(body) in words for words in HELP_WORDS.values()):
            with translation.override(conversation.language or language):
                reply = EngineReply(help_text(), "help")
        elif conversation.taken_over_by_id is not None:  # staff answer it from the inbox
            reply = EngineReply("", TAKEN_OVER)
        else:
            reply = conversation_reply(conversation, body)
        inbound = AssistantMessage.objects.create(
            conversation=conversation,
            direction=AssistantMessage.Direction.IN,
            body=body,
            handled_as=reply.handled_as,
            created_at=moment,
        )
        if reply.text:
            AssistantMessage.objects.create(
                conversation=conversation,
                direction=AssistantMessage.Direction.OUT,
                body=reply.text,
                in_reply_to=inbound,
                handled_as=reply.handled_as,
                created_at=moment,
            )
        conversation_save(
            conversation,
            last_message_at=moment,
            needs_answer=answer_needed(handled_as=reply.handled_as, answered=bool(reply.text)),
        )
    return reply
