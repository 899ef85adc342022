"""From conversation to action: staff post a resident's message as an idea on one of the city's open
questions (engage), in the resident's name, and tell them on the channel they wrote from, with its link.

The idea goes through engage's own service, as one typed on the web: the same civility check, the same
limits, the same moderation (a held idea stays held until a moderator publishes it). Telling the resident
goes through the inbox's reply path, which keeps each network's rules: when they refuse the message the
idea stands, and why the resident was not told is kept on it and shown to staff.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.assistant.models import PHONE_CHANNELS, AssistantMessage, Conversation, InboxIdea
from civicloop.assistant.services.desk.common import Kind, _record
from civicloop.assistant.services.inbox import InboxReplyFailed, InboxReplyRefused, inbox_reply
from civicloop.core.errors import DomainError, NotFound
from civicloop.core.text import contact_details_mask
from civicloop.engage.models import Idea, ModerationState, Participant, Question
from civicloop.engage.selectors import Viewer, questions_open_public
from civicloop.engage.services import (
    IDEA_BODY_MAX,
    TITLE_MAX,
    EngageInvalid,
    EngageRefused,
    PostingLimitReached,
    idea_create,
    participant_for_relay,
    participant_for_resident_contact,
)

RELAYED_FROM_PREFIX = "inbox-conversation-"
DRAFT_TITLE_CHARS = 80
QUESTION_IN_MESSAGE_CHARS = 80  # the question as the resident's message names it (a text has little room)
TOLD_KEY_PREFIX = "idea-"


class InboxIdeaInvalid(DomainError):
    """The idea cannot be posted as given; nothing was stored. `field` names the form's part."""


@dataclass(frozen=True)
class IdeaDraft:
    title: str
    body: str


@dataclass(frozen=True)
class InboxIdeaPosted:
    """The idea as posted; `repeated` when this form had posted it already (nothing new was done)."""

    link: InboxIdea
    repeated: bool = False

    @property
    def idea(self) -> Idea:
        return self.link.idea

    @property
    def told(self) -> bool:
        return not self.link.not_told_reason


def resident_reachable(conversation: Conversation) -> bool:
    """Whether the idea can be the resident's own, by the number they wrote from (else it is posted for
    this conversation under a name standing for it)."""
    return conversation.channel in PHONE_CHANNELS and bool(conversation.phone)


def inbox_idea_draft(*, conversation: Conversation, message_ids: list[int]) -> IdeaDraft:
    """What the form starts from: the resident's chosen messages (else their latest), oldest first. The
    idea is public: numbers and addresses they typed are masked, whoever the member of staff is."""
    inbound = AssistantMessage.objects.filter(
        conversation=conversation, direction=AssistantMessage.Direction.IN
    ).order_by("created_at", "id")
    chosen = list(inbound.filter(pk__in=message_ids[:20])) if message_ids else []
    if not chosen:
        latest = inbound.last()
        chosen = [latest] if latest else []
    body = "\n\n".join(contact_details_mask(message.body.strip()) for message in chosen).strip()
    first_line = body.split("\n", 1)[0].strip()
    title = (
        first_line
        if len(first_line) <= DRAFT_TITLE_CHARS
        else first_line[: DRAFT_TITLE_CHARS - 1].rstrip() + "…"
    )
    return IdeaDraft(title=title[:TITLE_MAX], body=body[:IDEA_BODY_MAX])


def _resident_participant(conversation: Conversation) -> Participant:
    language = conversation.language or "en"
    with translation.override(language):
        name = _("A resident, by %(channel)s") % {"channel": conversation.get_channel_display()}
    if resident_reachable(conversation):
        return participant_for_resident_contact(
            kind=conversation.channel, value=conversation.phone, display_name=name, language=language
        )
    # No number to know them by (a web chat, a social network): the least surprising author is one made for
    # this conversation, so all its ideas are one person's and nobody else's account speaks for them.
    return participant_for_relay(
        relayed_from=f"{RELAYED_FROM_PREFIX}{conversation.pk}", display_name=name, language=language
    )


def _open_question(question_id: int) -> Question:
    question = next((q for q in questions_open_public() if q.pk == question_id), None)
    if question is None:
        raise InboxIdeaInvalid(_("Choose one of the questions open for ideas now."), field="question")
    return question


def inbox_idea_post(
    *, conversation_id: int, staff: User, question_id: int, title: str, body: str, idempotency_key: str
) -> InboxIdeaPosted:
    """Post the resident's idea on an open question in a public space and tell them where they wrote from.

    Callers may rely on:
    - one idea per `idempotency_key`: the same form posted again returns it, `repeated`, doing nothing;
    - InboxIdeaInvalid, nothing stored: a question closed or not open to everyone, an empty or too long
      title or text, engage's refusals (its posting limits);
    - the idea and its InboxEvent are stored together; telling the resident comes after, and when their
      channel's rules refuse it, `not_told_reason` says why (the idea stands).
    """
    if not idempotency_key:
        raise InboxIdeaInvalid(_("This form has expired. Reload the page and write the idea again."))
    earlier = (
        InboxIdea.objects.select_related("idea__question").filter(idempotency_key=idempotency_key).first()
    )
    if earlier is not None:
        if earlier.conversation_id != conversation_id:
            raise InboxIdeaInvalid(_("This form has expired. Reload the page and write the idea again."))
        return InboxIdeaPosted(earlier, repeated=True)
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    question = _open_question(question_id)
    moment = timezone.now()
    try:
        with transaction.atomic():
            participant = _resident_participant(conversation)
            idea = idea_create(
                question=question, viewer=Viewer(participant=participant), title=title, body=body, now=moment
            )
            link = InboxIdea.objects.create(
                conversation=conversation,
                idea=idea,
                idempotency_key=idempotency_key,
                created_by=staff,
                created_at=moment,
            )
            _record(
                [conversation.pk],
                Kind.IDEA,
                actor=staff,
                detail=_("Idea #%(number)d on %(question)s") % {"number": idea.pk, "question": question.text},
                moment=moment,
            )
    except EngageInvalid as error:
        raise InboxIdeaInvalid(error.message, field=error.field) from error
    except (EngageRefused, PostingLimitReached) as error:
        raise InboxIdeaInvalid(error.message) from error
    except IntegrityError:  # the same form posted twice at once: the other request posted it
        earlier = (
            InboxIdea.objects.select_related("idea__question").filter(idempotency_key=idempotency_key).first()
        )
        if earlier is None:
            raise
        return InboxIdeaPosted(earlier, repeated=True)
    _tell_resident(conversation, link, staff=staff)
    return InboxIdeaPosted(link)


def _told_text(idea: Idea, question: Question, language: str) -> str:
    url = f"{settings.SITE_URL.rstrip('/')}{idea.get_absolute_url()}"
    asked = question.text
    if len(asked) > QUESTION_IN_MESSAGE_CHARS:
        asked = asked[: QUESTION_IN_MESSAGE_CHARS - 1].rstrip() + "…"
    with translation.override(language):
        if idea.moderation_state == ModerationState.PUBLISHED:
            return _("Thank you: your idea is now on the city's question “%(question)s”: %(url)s") % {
                "question": asked,
                "url": url,
            }
        return _(
            "Thank you: your idea was added to the city's question “%(question)s”. It shows there once a "
            "moderator has read it: %(url)s"
        ) % {"question": asked, "url": url}


def _tell_resident(conversation: Conversation, link: InboxIdea, *, staff: User) -> None:
    """The resident hears of their idea where they wrote; a refusal is kept on the link and in the record."""
    text = _told_text(link.idea, link.idea.question, conversation.language or "en")
    try:
        inbox_reply(
            conversation_id=conversation.pk,
            staff=staff,
            body=text,
            idempotency_key=f"{TOLD_KEY_PREFIX}{link.idempotency_key}"[:64],
        )
    except (InboxReplyRefused, InboxReplyFailed) as error:
        reason = str(error.message)[:1000]
        InboxIdea.objects.filter(pk=link.pk).update(not_told_reason=reason)
        link.not_told_reason = reason
        _record(
            [conversation.pk],
            Kind.IDEA,
            actor=staff,
            detail=_("The resident could not be told of idea #%(number)d: %(reason)s")
            % {"number": link.idea_id, "reason": reason},
            moment=timezone.now(),
        )
