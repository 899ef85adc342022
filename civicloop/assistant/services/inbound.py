"""A text in, a reply out: store it, act once per provider message, compliance first, then the engine.

`inbound_sms_handle` is what the Twilio webhook calls. Every message in and every reply is stored in
the number's conversation before the reply leaves, so a retried webhook (the same MessageSid) gets the
same reply back and nothing acts twice.
"""

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.compliance import compliance_handle
from civicloop.assistant.services.conversations import (
    TAKEN_OVER,
    answer_needed,
    conversation_locked,
    conversation_save,
)
from civicloop.assistant.services.engine import conversation_reply, reply_prepare
from civicloop.core.errors import DomainError
from civicloop.core.rows import row_insert
from civicloop.core.sms import sms_fit, sms_max_segments
from civicloop.core.writes import write_turn
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.services import contact_point_heard_from

BODY_MAX = 1600  # Twilio's own limit for one message: anything longer is cut, never refused
MEDIA_MAX = 10


class InboundInvalid(DomainError):
    """A webhook that does not carry a text from a phone number (answered with an empty reply)."""


@dataclass(frozen=True)
class InboundReply:
    """The reply to send back in the webhook's response ("" sends nothing) and what it was."""

    text: str
    handled_as: str
    repeated: bool = False


def _phone(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number.strip(), "US")
    except phonenumbers.NumberParseException as error:
        raise InboundInvalid("not a phone number") from error
    if not phonenumbers.is_possible_number(parsed):
        raise InboundInvalid("not a phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _previous_reply(message_sid: str) -> InboundReply | None:
    # The "not empty" term matches the partial unique index's condition, so SQLite uses it (no table scan).
    earlier = (
        AssistantMessage.objects.filter(
            direction=AssistantMessage.Direction.IN, provider_message_id=message_sid
        )
        .exclude(provider_message_id="")
        .order_by()
        .first()
    )
    if earlier is None:
        return None
    reply = earlier.replies.order_by("id").first()
    return InboundReply(text=reply.body if reply else "", handled_as=earlier.handled_as, repeated=True)


def inbound_sms_handle(
    *,
    message_sid: str,
    from_number: str,
    body: str,
    media: list[dict[str, str]] | None = None,
    now: datetime | None = None,
    channel: str = Conversation.Channel.SMS,
) -> InboundReply:
    """Store a text from a resident and decide the reply; the same `message_sid` twice acts once.

    `channel` is SMS or WhatsApp: the same assistant answers both, each with its own consent (STOP on
    WhatsApp stops WhatsApp only).

    Compliance keywords (STOP, START, HELP and their kin) come before anything else. The reply is fitted
    to the per-message segment budget (SMS_MAX_SEGMENTS). Raises InboundInvalid for a webhook with no
    message id or phone number; nothing is stored then.
    """
    if not message_sid.strip():
        raise InboundInvalid("no message id")
    phone = _phone(from_number)
    moment = now or timezone.now()
    body = body[:BODY_MAX]
    reply_prepare(channel=channel, phone=phone, body=body)
    try:
        return _handle(
            message_sid=message_sid[:64], phone=phone, body=body, media=media, moment=moment, channel=channel
        )
    except IntegrityError:
        # A retry of a message already handled: the unique MessageSid refused the second copy, and
        # everything this attempt did was rolled back with it. It gets the first reply again.
        repeated = _previous_reply(message_sid[:64])
        if repeated is None:
            raise
        return repeated


def _handle(
    *,
    message_sid: str,
    phone: str,
    body: str,
    media: list[dict[str, str]] | None,
    moment: datetime,
    channel: str,
) -> InboundReply:
    with write_turn(), transaction.atomic():  # SQLite: in line for its one writer, not polling
        conversation = conversation_locked(channel=channel, phone=phone, moment=moment)
        if channel == Conversation.Channel.WHATSAPP:  # WhatsApp's 24-hour window for free text opens
            contact_point_heard_from(kind=ContactPoint.Kind.WHATSAPP, value=phone, moment=moment)
        compliance = compliance_handle(conversation=conversation, body=body, now=moment)
        if compliance is not None:
            text, handled_as = compliance.text, compliance.handled_as
        elif conversation.taken_over_by_id is not None:  # staff answer it from the inbox
            text, handled_as = "", TAKEN_OVER
        else:
            engine = conversation_reply(conversation, body, media=media)
            text, handled_as = engine.text, engine.handled_as
        text = sms_fit(text, max_segments=sms_max_segments()) if text else ""
        # Stored in the same transaction as what it did (with how it was handled: one write, not two).
        # Its MessageSid is unique among inbound messages: a retry handled meanwhile fails here.
        inbound = AssistantMessage(
            conversation=conversation,
            direction=AssistantMessage.Direction.IN,
            body=body,
            provider_message_id=message_sid,
            media=(media or [])[:MEDIA_MAX],
            handled_as=handled_as,
            created_at=moment,
        )
        row_insert(inbound)  # every text passes here: without the ORM's compiler (core.rows)
        if text:
            row_insert(
                AssistantMessage(
                    conversation=conversation,
                    direction=AssistantMessage.Direction.OUT,
                    body=text,
                    in_reply_to=inbound,
                    handled_as=handled_as,
                    created_at=moment,
                )
            )
        conversation_save(
            conversation,
            last_message_at=moment,
            needs_answer=answer_needed(handled_as=handled_as, answered=bool(text)),
        )
    return InboundReply(text=text, handled_as=handled_as)
