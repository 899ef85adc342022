"""Writes for the staff inbox: take a conversation over (the assistant stops answering it), hand it back, and
reply to the resident as a member of staff, by text, in the web chat, or in the thread on a social network.

A reply is stored before it is sent, under the idempotency key of the form that wrote it (unique), so the
same form posted twice, or again after a timeout, sends one message; a send that failed may be tried
again with the same key and text, which the provider treats as the same message.

Kept as one module: one reply's way out (stored, checked against its channel's rules, sent, recorded),
whose steps share the stored message and its idempotency key.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.assistant.inbox_rules import (
    COMMENT,
    INSTAGRAM_MESSAGE_MAX_BYTES,
    MESSAGE,
    latest_inbound,
    reply_rule,
)
from civicloop.assistant.models import SOCIAL_CHANNELS, AssistantMessage, Conversation
from civicloop.core.errors import DomainError, NotFound
from civicloop.core.sms import sms_fit, sms_max_segments, sms_segments
from civicloop.delivery.direct import (
    RecipientSuppressed,
    sms_direct_send,
    sms_number_suppressed,
    social_reply_send,
    social_reply_text,
    whatsapp_direct_send,
    whatsapp_number_suppressed,
)
from civicloop.delivery.models import WhatsAppTemplate
from civicloop.delivery.whatsapp import WHATSAPP_WINDOW
from civicloop.integrations.errors import PermanentProviderError, ProviderError, TransientProviderError
from civicloop.integrations.social import SocialReplyTarget

INBOX_TEMPLATE_PREFIX = "inbox"  # WhatsApp templates staff may send from the inbox (not notifications')
REPLY_MAX = 1600  # a text message's own limit (Twilio); social networks have shorter ones
WHATSAPP_MAX = 1600  # Twilio's limit for a WhatsApp message body
STAFF_REPLY = "staff"  # AssistantMessage.handled_as of a staff reply
# A reply still "sending" after this is taken to have been cut off (a worker restarted): it may be retried.
SENDING_STUCK_AFTER = timedelta(minutes=2)
SEND_ERROR_MAX = 1000

Status = AssistantMessage.SendStatus


class InboxReplyRefused(DomainError):
    """The reply cannot be sent as written (or to this resident); nothing was sent. `field` names the part."""


class InboxReplyFailed(DomainError):
    """The provider did not take the reply. With `retry`, send the same form again (same key): it is
    safe; without, the provider refused it and it will not go as it is."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message, field=None)
        self.retry = retry


@dataclass(frozen=True)
class InboxReply:
    """The reply as stored; `repeated` when this key had been sent (or was being sent) already."""

    message: AssistantMessage
    repeated: bool = False


def _conversation(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    return conversation


def inbox_take_over(*, conversation_id: int, staff: User, now: datetime | None = None) -> Conversation:
    """The member of staff answers this conversation from now on; the assistant stops answering it
    (STOP, START and HELP still work). Taking over one another member of staff has makes it yours."""
    conversation = _conversation(conversation_id)
    moment = now or timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(taken_over_by=staff, taken_over_at=moment)
    conversation.taken_over_by, conversation.taken_over_at = staff, moment
    return conversation


def inbox_hand_back(*, conversation_id: int, staff: User) -> Conversation:
    """The assistant answers this conversation again, from its next message (nothing is sent now)."""
    conversation = _conversation(conversation_id)
    Conversation.objects.filter(pk=conversation.pk).update(taken_over_by=None, taken_over_at=None)
    conversation.taken_over_by, conversation.taken_over_at = None, None
    return conversation


def _reply_target(
    message: AssistantMessage | None, conversation: Conversation, choices: dict[str, Any] | None = None
) -> SocialReplyTarget:
    """What the network needs to answer `message`; `choices`: the reply's own (stored on it), a private
    reply to a comment and the HUMAN_AGENT tag."""
    if message is None or not message.remote_id:
        raise InboxReplyRefused(_("There is no post of the resident's to reply to yet."), field="body")
    meta = message.remote_meta or {}
    parent = str(meta.get("parent_id") or "")
    # A Meta comment's thread is its top-level comment: the one it answers, unless that is the post.
    meta_root = parent if parent and parent != meta.get("post_id") else ""
    return SocialReplyTarget(
        remote_id=message.remote_id,
        author_handle=str(meta.get("handle", "")),
        cid=str(meta.get("cid", "")),
        thread_root_id=str(meta.get("root_id", "") or meta_root),
        thread_root_cid=str(meta.get("root_cid", "")),
        visibility=str(meta.get("visibility", "")),
        kind=str(meta.get("kind", "")),
        recipient_id=conversation.remote_account_id,
        private=bool((choices or {}).get("private")),
        human_agent=bool((choices or {}).get("human_agent")),
    )


def _social_choices(
    conversation: Conversation, answered: AssistantMessage | None, *, privately: bool, moment: datetime
) -> dict[str, Any]:
    """The network's rules for this reply (inbox_rules), checked before anything is stored or sent: what
    the reply must carry (the HUMAN_AGENT tag, a private reply); InboxReplyRefused when none may go."""
    if answered is not None and (answered.remote_meta or {}).get("deleted_at"):
        raise InboxReplyRefused(
            _("The resident deleted this post: it can no longer be answered."), field="body"
        )
    rule = reply_rule(conversation, answered=answered, now=moment)
    if rule.refusal:
        raise InboxReplyRefused(rule.refusal, field="body")
    if privately:
        if answered is None or (answered.remote_meta or {}).get("kind") != COMMENT:
            raise InboxReplyRefused(_("Only a comment can be answered privately."), field="body")
        if not rule.can_reply_privately:
            raise InboxReplyRefused(rule.private_refusal, field="body")
        return {"private": True}
    return {"human_agent": True} if rule.human_agent else {}


def _prepared(
    conversation: Conversation,
    body: str,
    *,
    privately: bool = False,
    moment: datetime | None = None,
    whatsapp_template_id: int | None = None,
    staff: User | None = None,
) -> tuple[str, AssistantMessage | None, dict[str, Any]]:
    """The text to send, the message it answers and the reply's choices (stored on it, so a retry sends the
    same); InboxReplyRefused when it cannot go as written."""
    answered = latest_inbound(conversation)
    if privately and conversation.channel not in SOCIAL_CHANNELS:
        raise InboxReplyRefused(_("Only a comment can be answered privately."), field="body")
    if conversation.channel == Conversation.Channel.SMS:
        if conversation.opted_out_at is not None or sms_number_suppressed(conversation.phone):
            raise InboxReplyRefused(
                _("This number has stopped texts from the city (STOP): no text can be sent to it."),
                field="body",
            )
        budget = sms_max_segments()
        text = sms_fit(body, max_segments=budget)
        if text != body:  # staff's words are never cut: they shorten the reply themselves
            raise InboxReplyRefused(
                _("Too long for a text: %(parts)d parts, and a reply may use %(budget)d. Shorten it.")
                % {"parts": sms_segments(body).segments, "budget": budget},
                field="body",
            )
        return text, answered, {}
    if conversation.channel == Conversation.Channel.WHATSAPP:
        if whatsapp_template_id is not None:
            text, choices = _whatsapp_template_prepared(conversation, whatsapp_template_id, staff)
            return text, answered, choices
        return _whatsapp_prepared(conversation, body, answered), answered, {}
    if conversation.channel in SOCIAL_CHANNELS:
        choices = _social_choices(
            conversation, answered, privately=privately, moment=moment or timezone.now()
        )
        target = _reply_target(answered, conversation, choices)
        try:
            text, length, limit = social_reply_text(network=conversation.channel, text=body, target=target)
        except PermanentProviderError as error:
            raise InboxReplyRefused(
                _("The city's %(network)s account is not set up here: the reply cannot be posted.")
                % {"network": conversation.get_channel_display()},
                field="body",
            ) from error
        if length > limit:
            raise InboxReplyRefused(
                _("Too long for %(network)s: %(length)d characters of %(limit)d. Shorten it.")
                % {"network": conversation.get_channel_display(), "length": length, "limit": limit},
                field="body",
            )
        is_message = target.kind == MESSAGE or target.private
        size = len(text.encode())
        if (
            conversation.channel == Conversation.Channel.INSTAGRAM
            and is_message
            and size > INSTAGRAM_MESSAGE_MAX_BYTES
        ):
            raise InboxReplyRefused(
                _("Too long for an Instagram message: %(size)d bytes of %(limit)d. Shorten it.")
                % {"size": size, "limit": INSTAGRAM_MESSAGE_MAX_BYTES},
                field="body",
            )
        return text, answered, choices
    return body, answered, {}  # the web chat shows it as written


def _whatsapp_prepared(conversation: Conversation, body: str, answered: AssistantMessage | None) -> str:
    """WhatsApp's rules: not to a number that stopped WhatsApp messages, and free text only within 24
    hours of the resident's last message (after that only an approved template may go)."""
    if conversation.opted_out_at is not None or whatsapp_number_suppressed(conversation.phone):
        raise InboxReplyRefused(
            _("This number has stopped WhatsApp messages from the city (STOP): nothing can be sent to it."),
            field="body",
        )
    if answered is None or timezone.now() - answered.created_at >= WHATSAPP_WINDOW:
        raise InboxReplyRefused(
            _(
                "WhatsApp allows a free reply only within 24 hours of the resident's last message, and "
                "that was longer ago: nothing was sent. Ask them to write again, or reach them another way."
            ),
            field="body",
        )
    if len(body) > WHATSAPP_MAX:
        raise InboxReplyRefused(
            _("Too long for WhatsApp: %(length)d characters of %(limit)d. Shorten it.")
            % {"length": len(body), "limit": WHATSAPP_MAX},
            field="body",
        )
    return body


def _whatsapp_template_prepared(
    conversation: Conversation, template_id: int, staff: User | None
) -> tuple[str, dict[str, Any]]:
    """A template Meta approved for the inbox (its name starts with "inbox"), the only thing WhatsApp lets
    the city send more than 24 hours after the resident's last message; its values filled here."""
    if conversation.opted_out_at is not None or whatsapp_number_suppressed(conversation.phone):
        raise InboxReplyRefused(
            _("This number has stopped WhatsApp messages from the city (STOP): nothing can be sent to it."),
            field="body",
        )
    template = next((t for t in whatsapp_inbox_templates(conversation) if t.pk == template_id), None)
    if template is None:
        raise InboxReplyRefused(_("Choose one of the approved WhatsApp templates."), field="body")
    values = {"city": settings.CITY_NAME, "staff": staff.get_full_name() if staff else ""}
    variables = {
        str(n): str(values.get(name, "")) for n, name in enumerate(template.variables or [], start=1)
    }
    text = _("WhatsApp template %(name)s (%(language)s)") % {
        "name": template.template,
        "language": template.language,
    }
    return text, {"content_sid": template.content_sid, "content_variables": variables}


def whatsapp_inbox_templates(conversation: Conversation) -> list[WhatsAppTemplate]:
    """The approved inbox templates for this WhatsApp resident: in their language, else in English."""
    language = conversation.language or "en"
    found = WhatsAppTemplate.objects.filter(
        approved=True, template__startswith=INBOX_TEMPLATE_PREFIX, language__in=[language, "en"]
    ).order_by("template", "language")
    chosen: dict[str, WhatsAppTemplate] = {}
    for template in found:
        if template.template not in chosen or template.language == language:
            chosen[template.template] = template
    return list(chosen.values())


def inbox_reply(
    *,
    conversation_id: int,
    staff: User,
    body: str,
    idempotency_key: str,
    privately: bool = False,
    whatsapp_template_id: int | None = None,
    now: datetime | None = None,
) -> InboxReply:
    """Reply to the resident as `staff`: a text (SMS), a WhatsApp message, a message in their chat (web), or
    a reply post in the thread, under their latest post (Mastodon, Bluesky, X, a Facebook or Instagram
    comment), or a private message (Messenger, Instagram; `privately`: one private reply to a comment).
    Replying takes the conversation over.

    Callers may rely on:
    - one message per `idempotency_key`: a key already sent (or being sent) returns it, `repeated`,
      sending nothing; one that failed is sent again with its first text (`body` is then ignored);
    - InboxReplyRefused, nothing stored or sent: an empty or too long reply (a text over the segment
      budget SMS_MAX_SEGMENTS is refused, never cut; a post over the network's limit), a number that has
      stopped texts or is suppressed, a WhatsApp reply outside its 24-hour window, a social network not
      configured, a key used on another conversation; and the networks' rules (inbox_rules): a Messenger
      or Instagram message more than 7 days after the resident's last (from 24 hours on it is sent with
      the HUMAN_AGENT tag), a second private reply to a comment or one after 7 days, a deleted post;
    - InboxReplyFailed after the provider failed: the reply is stored as "not sent" with the error;
      `retry` says whether sending the same key again may work. No database transaction is held while
      the provider is called.
    """
    body = body.strip()
    if not body and whatsapp_template_id is None:  # a template carries its own words
        raise InboxReplyRefused(_("Write a reply first."), field="body")
    if len(body) > REPLY_MAX:
        raise InboxReplyRefused(
            _("A reply may be at most %(max)d characters.") % {"max": REPLY_MAX}, field="body"
        )
    if not idempotency_key:
        raise InboxReplyRefused(_("This form has expired. Reload the page and write the reply again."))
    moment = now or timezone.now()
    earlier = AssistantMessage.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None:
        if earlier.conversation_id != conversation_id:
            raise InboxReplyRefused(_("This form has expired. Reload the page and write the reply again."))
        return _send_again(earlier, moment)
    conversation = _conversation(conversation_id)
    text, answered, choices = _prepared(
        conversation,
        body,
        privately=privately,
        moment=moment,
        whatsapp_template_id=whatsapp_template_id,
        staff=staff,
    )
    is_web = conversation.channel == Conversation.Channel.WEB
    try:
        with transaction.atomic():
            message = AssistantMessage.objects.create(
                conversation=conversation,
                direction=AssistantMessage.Direction.OUT,
                body=text,
                in_reply_to=answered,
                handled_as=STAFF_REPLY,
                sent_by=staff,
                idempotency_key=idempotency_key,
                remote_meta=choices,
                send_status=Status.SENT if is_web else Status.SENDING,
                created_at=moment,
            )
            # A reply is an answer: the assistant must not answer over the member of staff.
            Conversation.objects.filter(pk=conversation.pk, taken_over_by__isnull=True).update(
                taken_over_by=staff, taken_over_at=moment
            )
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=moment, needs_answer=False)
    except IntegrityError:  # the same form posted twice at once: the other request sends it
        return InboxReply(AssistantMessage.objects.get(idempotency_key=idempotency_key), repeated=True)
    message.conversation = conversation
    if not is_web:
        _send(message)
    return InboxReply(message)


def _send_again(message: AssistantMessage, moment: datetime) -> InboxReply:
    """A key seen before: sent or in flight, it is returned as is; failed (or cut off), sent again."""
    stuck = message.send_status == Status.SENDING and message.created_at < moment - SENDING_STUCK_AFTER
    if message.send_status != Status.FAILED and not stuck:
        return InboxReply(message, repeated=True)
    claimed = AssistantMessage.objects.filter(pk=message.pk, send_status=message.send_status).update(
        send_status=Status.SENDING, send_error=""
    )
    if not claimed:  # another request is sending it right now
        message.refresh_from_db()
        return InboxReply(message, repeated=True)
    message = AssistantMessage.objects.select_related("conversation", "in_reply_to").get(pk=message.pk)
    _send(message)
    return InboxReply(message)


def _send(message: AssistantMessage) -> None:
    """Hand the stored reply to its provider and record the outcome on it."""
    conversation = message.conversation
    key = f"civicloop-inbox-{message.idempotency_key}"
    try:
        if conversation.channel == Conversation.Channel.SMS:
            sent = sms_direct_send(to=conversation.phone, body=message.body, idempotency_key=key)
            provider_id, remote_id, remote_url = sent.provider_message_id, "", ""
        elif conversation.channel == Conversation.Channel.WHATSAPP:
            meta = message.remote_meta or {}
            sent = whatsapp_direct_send(
                to=conversation.phone,
                body="" if meta.get("content_sid") else message.body,
                idempotency_key=key,
                content_sid=str(meta.get("content_sid", "")),
                content_variables=meta.get("content_variables") or None,
            )
            provider_id, remote_id, remote_url = sent.provider_message_id, "", ""
        else:
            posted = social_reply_send(
                network=conversation.channel,
                text=message.body,
                target=_reply_target(message.in_reply_to, conversation, message.remote_meta),
                idempotency_key=key,
                created_at=message.created_at,
                language=conversation.language or "en",
            )
            provider_id, remote_id, remote_url = "", posted.remote_id, posted.remote_url
    except RecipientSuppressed as error:
        _record_failure(message, error.message)
        raise InboxReplyRefused(error.message, field="body") from error
    except ProviderError as error:
        _record_failure(message, str(error))
        retry = isinstance(error, TransientProviderError)
        if retry:
            raise InboxReplyFailed(
                _("%(channel)s did not answer in time; the reply was not sent. Send it again to retry.")
                % {"channel": conversation.get_channel_display()},
                retry=True,
            ) from error
        raise InboxReplyFailed(
            _("%(channel)s refused the reply (%(reason)s); it was not sent.")
            % {"channel": conversation.get_channel_display(), "reason": error.code or str(error)},
            retry=False,
        ) from error
    AssistantMessage.objects.filter(pk=message.pk).update(
        send_status=Status.SENT,
        send_error="",
        provider_message_id=provider_id[:64],
        remote_id=remote_id,
        remote_url=remote_url,
    )
    message.send_status, message.send_error = Status.SENT, ""
    message.provider_message_id, message.remote_id, message.remote_url = (
        provider_id[:64],
        remote_id,
        remote_url,
    )


def _record_failure(message: AssistantMessage, error: str) -> None:
    AssistantMessage.objects.filter(pk=message.pk).update(
        send_status=Status.FAILED, send_error=error[:SEND_ERROR_MAX]
    )
    message.send_status, message.send_error = Status.FAILED, error[:SEND_ERROR_MAX]
