"""Reads for the staff inbox: conversations with their latest message (a constant number of queries per
page), one conversation's thread, and the canned replies.

Personal details: a resident's phone number is shown in full only to staff who may see contact details
(`show_contact_details`); others see its last four digits, and phone numbers and emails residents typed in
texts and chats are masked for them. Social handles and posts are public and shown as they are.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.assistant.desk_sla import DeskTargets, desk_targets
from civicloop.assistant.models import (
    PHONE_CHANNELS,
    SOCIAL_CHANNELS,
    AssistantMessage,
    Conversation,
    DeskStatus,
    InboxCannedReply,
    InboxIdea,
    InboxServiceRequest,
    MessageModerationState,
)
from civicloop.core.errors import NotFound
from civicloop.core.text import contact_details_mask, phone_number_masked

ALL = "all"
NEEDS_ANSWER = "needs_answer"
MINE = "mine"
TAKEN_OVER = "taken_over"
STATES = (ALL, NEEDS_ANSWER, MINE, TAKEN_OVER)
CHANNELS = tuple(Conversation.Channel.values)
# An inbound message handled like this needs no answer from staff (compliance keywords are answered by rule).
PREVIEW_CHARS = 140
# Networks telling public comments from private messages (the Fediverse's visibilities are not shown).
PUBLIC_OR_PRIVATE_CHANNELS = (
    Conversation.Channel.FACEBOOK,
    Conversation.Channel.INSTAGRAM,
    Conversation.Channel.X,
)
PRIVATE_THREAD_PREFIX = "dm:"  # a private thread's remote id: "dm:<sender id>" (services.meta_inbox)
PRIVATE = "private"
PUBLIC = "public"
THREAD_MESSAGES = 200


# The assignee filter: mine, nobody's, or a member of staff's id (as text).
ASSIGNED_TO_ME = "mine"
UNASSIGNED = "none"
DESK_STATUSES = tuple(DeskStatus.values)


@dataclass(frozen=True)
class InboxFilters:
    channel: str = ""  # "" for every channel
    state: str = ALL
    # The service desk's filters; "" (0 for the label and the area) for any.
    language: str = ""
    label: int = 0
    assignee: str = ""
    team: str = ""
    status: str = ""
    # A community area's number: conversations a 311 request in that area was filed from or linked to.
    area: int = 0


@dataclass(frozen=True)
class InboxRow:
    """One conversation in the inbox list, ready to show."""

    conversation: Conversation
    resident: str
    preview: str
    last_direction: str
    needs_answer: bool
    privacy: str = ""  # PRIVATE (messages), PUBLIC (comments, replies, mentions), or "" when not told
    targets: DeskTargets | None = None  # the service desk's first-reply and resolution targets


def conversation_privacy(conversation: Conversation) -> str:
    """Whether staff answer the resident in private messages or in public, where the network tells both."""
    if conversation.remote_thread_id.startswith(PRIVATE_THREAD_PREFIX):
        return PRIVATE
    return PUBLIC if conversation.channel in PUBLIC_OR_PRIVATE_CHANNELS else ""


def _latest() -> QuerySet[AssistantMessage]:
    return AssistantMessage.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")


def with_desk_state(conversations: QuerySet[Any]) -> QuerySet[Any]:
    """`desk_state`: the desk status as it stands now. A pending or resolved conversation the resident
    wrote to since its status was set is open again, before the periodic task stores it (the inbound
    paths are hot and do not do it themselves)."""
    answered = AssistantMessage.objects.filter(
        conversation=OuterRef("pk"),
        direction=AssistantMessage.Direction.IN,
        created_at__gt=OuterRef("desk_status_at"),
    )
    return conversations.annotate(
        desk_state=Case(
            # Cheap column tests first: the message look-up runs only for conversations with news since.
            When(
                Q(desk_status__in=[DeskStatus.PENDING, DeskStatus.RESOLVED])
                & Q(last_message_at__gt=F("desk_status_at"))
                & Q(Exists(answered)),
                then=Value(DeskStatus.OPEN.value),
            ),
            default=F("desk_status"),
            output_field=CharField(),
        )
    )


def _needs_answer() -> Q:
    return Q(needs_answer=True)  # kept with each message stored (services/conversations.py)


def inbox_conversations(*, filters: InboxFilters, user_id: int) -> QuerySet[Conversation]:
    """Conversations, latest activity first, each with its latest message (`last_body`, `last_direction`,
    `last_moderation_state`) and who has taken it over: one query for a page, whatever its length."""
    latest = _latest()
    conversations = (
        Conversation.objects.select_related("taken_over_by", "assigned_to")
        .prefetch_related("labels")  # one query for the page's labels
        .only(
            "channel",
            "phone",
            "language",
            "remote_handle",
            "remote_thread_id",
            "opted_out_at",
            "taken_over_at",
            "last_message_at",
            "needs_answer",
            "taken_over_by__username",
            "taken_over_by__first_name",
            "taken_over_by__last_name",
            "assigned_team",
            "desk_status",
            "desk_status_at",
            "resident_thread_id",
            "thread_unlinked_at",
            "assigned_to__username",
            "assigned_to__first_name",
            "assigned_to__last_name",
            "created_at",
        )
        .annotate(
            first_staff_reply_at=Subquery(_first_staff_reply()),
            last_body=Subquery(latest.values("body")[:1]),
            last_direction=Subquery(latest.values("direction")[:1]),
            last_moderation_state=Subquery(latest.values("moderation_state")[:1]),
        )
    )
    if filters.channel in CHANNELS:
        conversations = conversations.filter(channel=filters.channel)
    if filters.state == NEEDS_ANSWER:
        conversations = conversations.filter(_needs_answer())
    elif filters.state == MINE:
        conversations = conversations.filter(taken_over_by_id=user_id)
    elif filters.state == TAKEN_OVER:
        conversations = conversations.filter(taken_over_by__isnull=False)
    with_state: QuerySet[Any] = with_desk_state(conversations)
    return _desk_filtered(with_state, filters, user_id).order_by("-last_message_at", "-id")


def _desk_filtered(conversations: QuerySet[Any], filters: InboxFilters, user_id: int) -> QuerySet[Any]:
    if filters.language:
        conversations = conversations.filter(language=filters.language)
    if filters.label:
        conversations = conversations.filter(labels__id=filters.label)
    if filters.assignee == ASSIGNED_TO_ME:
        conversations = conversations.filter(assigned_to_id=user_id)
    elif filters.assignee == UNASSIGNED:
        conversations = conversations.filter(assigned_to__isnull=True, assigned_team="")
    elif filters.assignee.isdigit():
        conversations = conversations.filter(assigned_to_id=int(filters.assignee))
    if filters.team:
        conversations = conversations.filter(assigned_team=filters.team)
    if filters.status in DESK_STATUSES:
        conversations = conversations.filter(desk_state=filters.status)
    if filters.area:
        in_area = InboxServiceRequest.objects.filter(
            conversation=OuterRef("pk"), request__community_area__number=filters.area
        )
        conversations = conversations.filter(Exists(in_area))
    return conversations


def inbox_needs_answer_count() -> int:
    """How many conversations wait for staff: their latest message is the resident's, not yet answered
    (counted from an index)."""
    return Conversation.objects.filter(_needs_answer()).count()


def resident_label(conversation: Conversation, *, show_contact_details: bool) -> str:
    """Who the resident is, as this member of staff may see it."""
    if conversation.channel in PHONE_CHANNELS:
        return conversation.phone if show_contact_details else phone_number_masked(conversation.phone)
    if conversation.channel == Conversation.Channel.FACEBOOK and conversation.remote_handle:
        return conversation.remote_handle  # a person's name there, not a handle
    if conversation.channel in SOCIAL_CHANNELS:
        return f"@{conversation.remote_handle}" if conversation.remote_handle else _("Unknown account")
    return _("Web visitor %(number)d") % {"number": conversation.pk}


def message_text(conversation: Conversation, body: str, *, show_contact_details: bool) -> str:
    """A message's text as this member of staff may see it (texts and chats: contact details masked)."""
    if show_contact_details or conversation.channel in SOCIAL_CHANNELS:
        return body
    return contact_details_mask(body)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def _first_staff_reply() -> QuerySet[AssistantMessage, Any]:
    replies = AssistantMessage.objects.filter(
        conversation=OuterRef("pk"), direction=AssistantMessage.Direction.OUT, sent_by__isnull=False
    )
    return replies.order_by("created_at", "id").values("created_at")[:1]


def conversation_targets(conversation: Conversation) -> DeskTargets:
    """The first-reply and resolution targets of one conversation read by `inbox_conversation` (no query)."""
    return desk_targets(
        conversation,
        first_staff_reply_at=getattr(conversation, "first_staff_reply_at", None),
        desk_state=getattr(conversation, "desk_state", conversation.desk_status),
        now=timezone.now(),
    )


def inbox_rows(conversations: list[Conversation], *, show_contact_details: bool) -> list[InboxRow]:
    """The rows of one page of `inbox_conversations` (no further queries)."""
    now = timezone.now()
    rows = []
    for conversation in conversations:
        body = getattr(conversation, "last_body", None) or ""
        direction = getattr(conversation, "last_direction", None) or ""
        shown = message_text(conversation, body, show_contact_details=show_contact_details)
        moderation_state = getattr(conversation, "last_moderation_state", None)
        if moderation_state in (MessageModerationState.HIDDEN, MessageModerationState.REMOVED):
            shown = f"({MessageModerationState(moderation_state).label})"  # reported: not in the list either
        rows.append(
            InboxRow(
                conversation=conversation,
                resident=resident_label(conversation, show_contact_details=show_contact_details),
                preview=_preview(shown),
                last_direction=direction,
                needs_answer=conversation.needs_answer,  # kept with each message, as the filter reads it
                privacy=conversation_privacy(conversation),
                targets=desk_targets(
                    conversation,
                    first_staff_reply_at=getattr(conversation, "first_staff_reply_at", None),
                    desk_state=getattr(conversation, "desk_state", conversation.desk_status),
                    now=now,
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class ThreadMessage:
    message: AssistantMessage
    text: str
    by_staff: bool


def inbox_conversation(*, conversation_id: int) -> Conversation:
    """One conversation for its inbox page, with who took it over, the city's post it answers and when
    staff first replied (`first_staff_reply_at`, for its service-desk targets): one query."""
    conversation = (
        with_desk_state(
            Conversation.objects.select_related("taken_over_by", "assigned_to", "city_post__announcement")
        )
        .annotate(first_staff_reply_at=Subquery(_first_staff_reply()))
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    return conversation


def inbox_thread(conversation: Conversation, *, show_contact_details: bool) -> list[ThreadMessage]:
    """The conversation's latest messages, oldest first, with the staff who wrote each reply (one query)."""
    latest = (
        AssistantMessage.objects.filter(conversation=conversation)
        .select_related("sent_by")
        .order_by("-created_at", "-id")[:THREAD_MESSAGES]
    )
    thread = []
    for message in reversed(list(latest)):
        inbound = message.direction == AssistantMessage.Direction.IN
        text = (
            message_text(conversation, message.body, show_contact_details=show_contact_details)
            if inbound
            else message.body
        )
        if message.moderation_state == MessageModerationState.REMOVED:
            text = ""  # a moderator removed it: the record export keeps it for public-records requests
        thread.append(ThreadMessage(message=message, text=text, by_staff=message.sent_by_id is not None))
    return thread


def inbox_canned_replies() -> list[InboxCannedReply]:
    return list(InboxCannedReply.objects.all())


def inbox_canned_reply_text(*, canned_id: int, language: str) -> str:
    """A canned reply's text in `language` (Spanish when "es" and written, else English); "" if none."""
    canned = InboxCannedReply.objects.filter(pk=canned_id).first()
    return canned.body_for(language) if canned else ""


def inbox_conversation_ideas(*, conversation_id: int) -> list[InboxIdea]:
    """The ideas staff posted from this conversation, with their question (one query)."""
    return list(
        InboxIdea.objects.filter(conversation_id=conversation_id)
        .select_related("idea__question")
        .only(
            "created_at",
            "not_told_reason",
            "idea__id",
            "idea__moderation_state",
            "idea__question__id",
            "idea__question__text",
        )
    )
