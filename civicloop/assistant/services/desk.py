"""Writes for the inbox as a service desk: assignment to a person or a department's team, status (open,
pending, resolved) with reopening and auto-resolve, labels, private notes with @mentions, saved views,
and one thread per resident across channels (linking and unlinking conversations).

Every change is recorded as an InboxEvent with the staff member's name, for the conversation's record.
Bulk changes are set-based: one UPDATE for the conversations, one INSERT for their events.

The inbound paths that store residents' messages are hot and write rows without signals, so two things
are done from the inbox's side instead: a pending or resolved conversation the resident wrote to again
shows as open at once (computed when read) and is stored as open by the periodic task; and the SMS and
WhatsApp conversations of one number join when the inbox shows either (`desk_join_same_numbers`).
"""

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.accounts.permissions import ROLE_CAPABILITIES, Capability
from civicloop.assistant.inbox_selectors import with_desk_state
from civicloop.assistant.models import (
    PHONE_CHANNELS,
    AssistantMessage,
    Conversation,
    DeskStatus,
    InboxEvent,
    InboxLabel,
    InboxMention,
    InboxNote,
    InboxSavedView,
    ResidentThread,
)
from civicloop.core.errors import DomainError, NotFound
from civicloop.servicerequests.models import Service

logger = logging.getLogger(__name__)

AUTO_RESOLVE_HOURS = 72.0
NOTE_MAX = 4000
MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
Kind = InboxEvent.Kind


class DeskRefused(DomainError):
    """The change cannot be made as asked (an unknown colleague or team, an empty note); nothing changed."""


def staff_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def answering_roles() -> list[str]:
    """The roles whose staff may work the inbox (least privilege: only they can be assigned or mentioned)."""
    return [
        role
        for role, capabilities in ROLE_CAPABILITIES.items()
        if Capability.ANSWER_RESIDENTS in capabilities
    ]


def _conversation(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    return conversation


def _ids(conversation_ids: Iterable[int]) -> list[int]:
    """The ones that exist (a bulk action on a stale page may name a deleted conversation)."""
    return list(Conversation.objects.filter(pk__in=set(conversation_ids)).values_list("pk", flat=True))


def _record(
    conversation_ids: Sequence[int], kind: str, *, actor: User | None, detail: str, moment: datetime
) -> None:
    InboxEvent.objects.bulk_create(
        InboxEvent(
            conversation_id=pk,
            kind=kind,
            actor=actor,
            actor_name=staff_name(actor),
            detail=detail[:300],
            created_at=moment,
        )
        for pk in conversation_ids
    )


# ------------------------------------------------------------------------------------------- assignment


def desk_teams() -> list[str]:
    """The departments a conversation can go to: those the 311 services name (the same words)."""
    return list(
        Service.objects.exclude(department="")
        .order_by("department")
        .values_list("department", flat=True)
        .distinct()
    )


def desk_assignable_staff() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=answering_roles()).order_by(
            "first_name", "last_name", "username"
        )
    )


def desk_assign(
    *,
    conversation_ids: Iterable[int],
    staff: User,
    assignee_id: int | None = None,
    team: str | None = None,
    now: datetime | None = None,
) -> int:
    """Give the conversations to a member of staff (`assignee_id`; 0 for nobody) and/or a department's
    team (`team`; "" for none); None leaves that side as it is. One UPDATE; returns how many changed."""
    changes: dict[str, object] = {}
    details = []
    if assignee_id is not None:
        assignee = None
        if assignee_id:
            assignee = User.objects.filter(pk=assignee_id, is_active=True, role__in=answering_roles()).first()
            if assignee is None:
                raise DeskRefused(_("Choose a colleague who answers residents."), field="assignee")
        changes["assigned_to"] = assignee
        details.append(_("to %(name)s") % {"name": staff_name(assignee)} if assignee else _("to nobody"))
    if team is not None:
        if team and team not in desk_teams():
            raise DeskRefused(_("Choose one of the city's departments."), field="team")
        changes["assigned_team"] = team
        details.append(_("to the team %(team)s") % {"team": team} if team else _("to no team"))
    if not changes:
        raise DeskRefused(_("Choose a colleague or a team."), field="assignee")
    moment = now or timezone.now()
    with transaction.atomic():
        ids = _ids(conversation_ids)
        Conversation.objects.filter(pk__in=ids).update(**changes)
        _record(ids, Kind.ASSIGNED, actor=staff, detail=", ".join(str(d) for d in details), moment=moment)
    return len(ids)


# ----------------------------------------------------------------------------------------------- status


def desk_status_set(
    *, conversation_ids: Iterable[int], staff: User | None, status: str, now: datetime | None = None
) -> int:
    """Set the desk status of the conversations (one UPDATE); those already there are left alone."""
    if status not in DeskStatus.values:
        raise DeskRefused(_("Choose open, waiting for the resident or resolved."), field="status")
    moment = now or timezone.now()
    with transaction.atomic():
        ids = list(
            with_desk_state(Conversation.objects.filter(pk__in=set(conversation_ids)))
            .exclude(desk_state=status)
            .values_list("pk", flat=True)
        )
        Conversation.objects.filter(pk__in=ids).update(desk_status=status, desk_status_at=moment)
        _record(ids, Kind.STATUS, actor=staff, detail=str(DeskStatus(status).label), moment=moment)
    return len(ids)


def auto_resolve_hours() -> float:
    return float(getattr(settings, "INBOX_AUTO_RESOLVE_HOURS", AUTO_RESOLVE_HOURS))


def desk_auto_resolve(*, now: datetime | None = None) -> int:
    """Resolve the conversations pending with no message for INBOX_AUTO_RESOLVE_HOURS (one UPDATE).

    A resident's answer to a pending conversation reopens it first, so it stays open."""
    moment = now or timezone.now()
    desk_reopen_answered(now=moment)
    cutoff = moment - timedelta(hours=auto_resolve_hours())
    quiet = Conversation.objects.filter(
        desk_status=DeskStatus.PENDING, desk_status_at__lt=cutoff, last_message_at__lt=cutoff
    )
    with transaction.atomic():
        ids = list(quiet.select_for_update().values_list("pk", flat=True))
        Conversation.objects.filter(pk__in=ids).update(desk_status=DeskStatus.RESOLVED, desk_status_at=moment)
        _record(
            ids,
            Kind.AUTO_RESOLVED,
            actor=None,
            detail=_("no message for %(hours)g hours") % {"hours": auto_resolve_hours()},
            moment=moment,
        )
    return len(ids)


# ------------------------------------------------------------- reopening and joining, done where read


def desk_reopen_answered(*, now: datetime | None = None) -> int:
    """Store as open the pending or resolved conversations the resident wrote to since (one UPDATE).

    The inbox already shows them open (inbox_selectors' `desk_state`, computed when read), since the
    inbound paths that store residents' messages are hot and stay untouched; this makes it stick and
    records it. Run by the periodic auto-resolve task, before it resolves anything."""
    moment = now or timezone.now()
    answered = AssistantMessage.objects.filter(
        conversation=OuterRef("pk"),
        direction=AssistantMessage.Direction.IN,
        created_at__gt=OuterRef("desk_status_at"),
    )
    candidates = Conversation.objects.filter(
        desk_status__in=[DeskStatus.PENDING, DeskStatus.RESOLVED], last_message_at__gt=F("desk_status_at")
    ).filter(Exists(answered))
    with transaction.atomic():
        ids = list(candidates.select_for_update().values_list("pk", flat=True))
        if ids:
            Conversation.objects.filter(pk__in=ids).update(desk_status=DeskStatus.OPEN, desk_status_at=moment)
            _record(ids, Kind.REOPENED, actor=None, detail="", moment=moment)
    return len(ids)


def desk_join_same_numbers(conversations: Iterable[Conversation], *, now: datetime | None = None) -> bool:
    """The SMS and WhatsApp conversations of one number join one resident thread, looked for among the
    conversations the inbox is showing (one indexed query; writes only when a pair is found). A
    conversation staff unlinked stays out. True if anything joined."""
    shown = list(conversations)
    phones = {
        conversation.phone
        for conversation in shown
        if conversation.channel in PHONE_CHANNELS
        and conversation.phone
        and conversation.resident_thread_id is None
        and conversation.thread_unlinked_at is None
    }
    if not phones:
        return False
    by_phone: dict[str, list[tuple[int, int | None]]] = {}
    for pk, phone, thread_id in Conversation.objects.filter(
        channel__in=PHONE_CHANNELS, phone__in=phones, thread_unlinked_at__isnull=True
    ).values_list("pk", "phone", "resident_thread_id"):
        by_phone.setdefault(phone, []).append((pk, thread_id))
    pairs = [
        members for members in by_phone.values() if len(members) > 1 and any(t is None for _p, t in members)
    ]
    if not pairs:
        return False
    moment = now or timezone.now()
    joined: dict[int, int] = {}
    with transaction.atomic():
        for members in pairs:
            ids = [pk for pk, _thread in members]
            thread_id = _join(ids, [t for _pk, t in members if t], moment)
            joined.update(dict.fromkeys(ids, thread_id))
    for conversation in shown:  # the page shows them joined at once
        conversation.resident_thread_id = joined.get(conversation.pk, conversation.resident_thread_id)
    return True


def _join(conversation_ids: list[int], thread_ids: list[int], moment: datetime) -> int:
    """Put the conversations (and every conversation of their threads) in one thread; returns its id."""
    if thread_ids:
        target = min(thread_ids)
        Conversation.objects.filter(resident_thread_id__in=thread_ids).update(resident_thread_id=target)
    else:
        target = ResidentThread.objects.create(created_at=moment).pk
    Conversation.objects.filter(pk__in=conversation_ids).update(resident_thread_id=target)
    ResidentThread.objects.filter(pk__in=[t for t in thread_ids if t != target]).delete()
    return target


# ------------------------------------------------------------------------------- linking conversations


def desk_link(*, conversation_id: int, other_id: int, staff: User, now: datetime | None = None) -> int:
    """Show two conversations (and whatever each is already joined with) as one resident's thread."""
    if conversation_id == other_id:
        raise DeskRefused(_("Choose another conversation to link this one to."), field="other")
    moment = now or timezone.now()
    with transaction.atomic():
        pair = list(
            Conversation.objects.filter(pk__in=[conversation_id, other_id]).values_list(
                "pk", "resident_thread_id"
            )
        )
        if len(pair) != 2:
            raise DeskRefused(_("There is no conversation with that number."), field="other")
        thread_id = _join([conversation_id, other_id], [t for _pk, t in pair if t], moment)
        Conversation.objects.filter(pk__in=[conversation_id, other_id]).update(thread_unlinked_at=None)
        _record([conversation_id], Kind.LINKED, actor=staff, detail=f"#{other_id}", moment=moment)
        _record([other_id], Kind.LINKED, actor=staff, detail=f"#{conversation_id}", moment=moment)
    return thread_id


def desk_unlink(*, conversation_id: int, staff: User, now: datetime | None = None) -> None:
    """Take the conversation out of its resident's thread (its own again); the others stay together."""
    moment = now or timezone.now()
    with transaction.atomic():
        conversation = _conversation(conversation_id)
        thread_id = conversation.resident_thread_id
        if thread_id is None:
            return
        Conversation.objects.filter(pk=conversation_id).update(
            resident_thread=None, thread_unlinked_at=moment
        )
        others = list(Conversation.objects.filter(resident_thread_id=thread_id).values_list("pk", flat=True))
        if len(others) < 2:  # a thread of one is no thread
            Conversation.objects.filter(resident_thread_id=thread_id).update(resident_thread=None)
            ResidentThread.objects.filter(pk=thread_id).delete()
        detail = ", ".join(f"#{pk}" for pk in others)
        _record([conversation_id], Kind.UNLINKED, actor=staff, detail=detail, moment=moment)
        _record(others, Kind.UNLINKED, actor=staff, detail=f"#{conversation_id}", moment=moment)


# ------------------------------------------------------------------------------------------------ labels


def inbox_label_create(*, name: str, colour: str) -> InboxLabel:
    name = " ".join(name.split())
    if not name:
        raise DeskRefused(_("Give the label a name."), field="name")
    if colour not in InboxLabel.Colour.values:
        raise DeskRefused(_("Choose one of the colours."), field="colour")
    if InboxLabel.objects.filter(name__iexact=name).exists():
        raise DeskRefused(_("There is already a label with that name."), field="name")
    return InboxLabel.objects.create(name=name[:50], colour=colour)


def inbox_label_delete(*, label_id: int) -> None:
    InboxLabel.objects.filter(pk=label_id).delete()


def desk_label_add(
    *, conversation_ids: Iterable[int], label_id: int, staff: User, now: datetime | None = None
) -> int:
    """Put the label on the conversations (one INSERT; those already labelled are left alone)."""
    label = InboxLabel.objects.filter(pk=label_id).first()
    if label is None:
        raise DeskRefused(_("There is no such label."), field="label")
    moment = now or timezone.now()
    through = Conversation.labels.through
    with transaction.atomic():
        already = set(
            through.objects.filter(
                inboxlabel_id=label.pk, conversation_id__in=set(conversation_ids)
            ).values_list("conversation_id", flat=True)
        )
        ids = [pk for pk in _ids(conversation_ids) if pk not in already]
        through.objects.bulk_create(
            [through(conversation_id=pk, inboxlabel_id=label.pk) for pk in ids], ignore_conflicts=True
        )
        _record(ids, Kind.LABELLED, actor=staff, detail=label.name, moment=moment)
    return len(ids)


def desk_label_remove(
    *, conversation_id: int, label_id: int, staff: User, now: datetime | None = None
) -> None:
    through = Conversation.labels.through
    with transaction.atomic():
        label = InboxLabel.objects.filter(pk=label_id).first()
        removed, _detail = through.objects.filter(
            conversation_id=conversation_id, inboxlabel_id=label_id
        ).delete()
        if removed and label is not None:
            _record(
                [conversation_id],
                Kind.UNLABELLED,
                actor=staff,
                detail=label.name,
                moment=now or timezone.now(),
            )


# ------------------------------------------------------------------------------------------------- notes


def desk_note_add(*, conversation_id: int, staff: User, body: str, now: datetime | None = None) -> InboxNote:
    """A private note for colleagues (never sent to the resident). Each @username of a colleague who
    answers residents is emailed once, after the note is saved; other @words are left as text."""
    body = body.strip()
    if not body:
        raise DeskRefused(_("Write the note first."), field="body")
    if len(body) > NOTE_MAX:
        raise DeskRefused(_("A note may be at most %(max)d characters.") % {"max": NOTE_MAX}, field="body")
    moment = now or timezone.now()
    usernames = {name.rstrip(".") for name in MENTION.findall(body)}
    with transaction.atomic():
        conversation = _conversation(conversation_id)
        note = InboxNote.objects.create(
            conversation=conversation,
            author=staff,
            author_name=staff_name(staff),
            body=body,
            created_at=moment,
        )
        mentioned = (
            list(
                User.objects.filter(username__in=usernames, is_active=True, role__in=answering_roles())
                .exclude(pk=staff.pk)
                .values_list("pk", flat=True)
            )
            if usernames
            else []
        )
        mentions = InboxMention.objects.bulk_create(
            [InboxMention(note=note, mentioned_id=pk) for pk in mentioned]
        )
        # The note's words stay in the note alone (one place to forget them); the record points at it.
        _record([conversation.pk], Kind.NOTE, actor=staff, detail=f"#{note.pk}", moment=moment)
        for mention in mentions:
            transaction.on_commit(partial(_enqueue_mention_email, mention.pk))
    return note


def _enqueue_mention_email(mention_id: int) -> None:
    from civicloop.assistant.tasks_inbox import send_inbox_mention_email

    send_inbox_mention_email.enqueue(mention_id)


def desk_mention_email_send(*, mention_id: int) -> bool:
    """Email the colleague that they were mentioned; once per mention (a failed send is retried).

    The email has a link and the author's name, never the resident's details or the note's words."""
    mention = (
        InboxMention.objects.select_related("mentioned", "note")
        .filter(pk=mention_id, notified_at__isnull=True)
        .first()
    )
    if mention is None or not mention.mentioned.is_active or not mention.mentioned.email:
        return False
    if not InboxMention.objects.filter(pk=mention.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    ):
        return False  # another run sent it
    user = mention.mentioned
    language = user.preferred_language or settings.LANGUAGE_CODE
    link = settings.SITE_URL.rstrip("/") + reverse("staff:inbox-thread", args=[mention.note.conversation_id])
    with translation.override(language):
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": staff_name(user)},
                _("%(author)s mentioned you in a note on an inbox conversation:")
                % {"author": mention.note.author_name or _("A colleague")},
                f"{link}#notes",
            ]
        )
        subject = _("You were mentioned in the inbox")
    try:
        EmailMessage(
            subject=subject,
            body=body + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
        ).send()
    except Exception as error:
        InboxMention.objects.filter(pk=mention.pk).update(notified_at=None)
        logger.warning("Mention email %s could not be sent: %s", mention.pk, type(error).__name__)
        raise
    return True


def desk_mentions_seen(*, user: User, conversation_id: int, now: datetime | None = None) -> int:
    """The user's mentions on this conversation leave their "mentions for you" list."""
    return InboxMention.objects.filter(
        mentioned=user, seen_at__isnull=True, note__conversation_id=conversation_id
    ).update(seen_at=now or timezone.now())


# ------------------------------------------------------------------------------------------ saved views


def inbox_saved_view_save(
    *, owner: User, name: str, query: str, now: datetime | None = None
) -> InboxSavedView:
    """Keep these filters under a name (the same name again replaces its filters)."""
    name = " ".join(name.split())[:60]
    if not name:
        raise DeskRefused(_("Give the view a name."), field="name")
    view, _created = InboxSavedView.objects.update_or_create(
        owner=owner, name=name, defaults={"query": query[:500], "created_at": now or timezone.now()}
    )
    return view


def inbox_saved_view_delete(*, owner: User, view_id: int) -> None:
    InboxSavedView.objects.filter(owner=owner, pk=view_id).delete()
