"""The rules each network sets for staff replies from the inbox, as the reply box shows them and as
`services.inbox` enforces them (one computation for both, so the page never promises what is refused).

- Messenger and Instagram messages: a free reply within 24 hours of the resident's last message; from 24
  hours to 7 days only from a person with the HUMAN_AGENT tag (staff are people: the tag is sent then);
  after 7 days nothing.
- A comment on Facebook or Instagram: a public reply under it, or one private reply (a message to its
  author), within 7 days of the comment. A deleted comment is not answered.
- An Instagram message (or private reply): at most 1000 bytes.
- X: a reply within 280 weighted characters (the length check lives with the other networks' limits).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.assistant.models import AssistantMessage, Conversation

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
# Instagram takes a message of at most 1000 bytes of UTF-8 (Messenger's 2000 characters exceed REPLY_MAX).
INSTAGRAM_MESSAGE_MAX_BYTES = 1000
META_CHANNELS = frozenset({Conversation.Channel.FACEBOOK, Conversation.Channel.INSTAGRAM})
COMMENT = "comment"
MESSAGE = "message"


@dataclass(frozen=True)
class ReplyRule:
    """What a reply may be now: `refusal` says why none can go ("" when one can); `human_agent` when a
    message must carry the HUMAN_AGENT tag; `can_reply_privately` when a comment may be answered by one
    private message (`private_refusal` says why not, when it is a comment that may not); `help` is the
    sentence the reply box shows; `is_message` for a private conversation."""

    help: str = ""
    refusal: str = ""
    human_agent: bool = False
    can_reply_privately: bool = False
    private_refusal: str = ""
    is_message: bool = False  # a private conversation: the reply is a message, not a post


def latest_inbound(conversation: Conversation) -> AssistantMessage | None:
    return (
        AssistantMessage.objects.filter(conversation=conversation, direction=AssistantMessage.Direction.IN)
        .order_by("-created_at", "-id")
        .first()
    )


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def private_reply_sent(comment: AssistantMessage) -> bool:
    """True when the one private reply a comment allows was sent (or is being sent)."""
    return (
        AssistantMessage.objects.filter(in_reply_to=comment, remote_meta__private=True)
        .exclude(send_status=AssistantMessage.SendStatus.FAILED)
        .exists()
    )


def reply_rule(
    conversation: Conversation, *, answered: AssistantMessage | None = None, now: datetime | None = None
) -> ReplyRule:
    """The rule that applies to a reply in `conversation` now (Facebook and Instagram; others: no rule)."""
    if conversation.channel not in META_CHANNELS:
        return ReplyRule()
    moment = now or timezone.now()
    answered = answered or latest_inbound(conversation)
    if answered is None:
        return ReplyRule()
    meta = answered.remote_meta or {}
    if meta.get("kind") == MESSAGE:
        return _message_rule(answered.created_at, moment)
    if meta.get("deleted_at"):
        refusal = _("The resident deleted this comment: it can no longer be answered.")
        return ReplyRule(help=refusal, refusal=refusal)
    until = answered.created_at + PRIVATE_REPLY_WINDOW
    if moment >= until:
        private_refusal = _(
            "A comment may be answered privately only within 7 days of it, and that has passed."
        )
    elif private_reply_sent(answered):
        private_refusal = _("This comment has had its one private reply already.")
    else:
        return ReplyRule(
            help=_(
                "Comment: reply publicly under it; or, until %(until)s, privately with one message to "
                "its author."
            )
            % {"until": _when(until)},
            can_reply_privately=True,
        )
    return ReplyRule(
        help=_("Comment: reply publicly under it.") + " " + private_refusal, private_refusal=private_refusal
    )


def _message_rule(last: datetime, moment: datetime) -> ReplyRule:
    free_until, tagged_until = last + MESSAGING_WINDOW, last + HUMAN_AGENT_WINDOW
    if moment < free_until:
        return ReplyRule(
            help=_(
                "Private message: you can reply until %(free)s; after that, until %(tagged)s, only with the "
                "human agent tag."
            )
            % {"free": _when(free_until), "tagged": _when(tagged_until)},
            is_message=True,
        )
    if moment < tagged_until:
        return ReplyRule(
            help=_(
                "Private message: more than 24 hours since the resident's last message, so until "
                "%(tagged)s your reply is sent with the human agent tag."
            )
            % {"tagged": _when(tagged_until)},
            human_agent=True,
            is_message=True,
        )
    refusal = _(
        "Private message: the resident last wrote more than 7 days ago, and the network allows no reply "
        "after that: nothing was sent. Ask them to write again, or reach them another way."
    )
    return ReplyRule(help=refusal, refusal=refusal, is_message=True)
