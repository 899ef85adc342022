"""Assignment to a colleague or a department's team, and the desk status (open, pending, resolved) with
reopening and auto-resolve."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.assistant.inbox_selectors import with_desk_state
from civicloop.assistant.models import (
    AssistantMessage,
    Conversation,
    DeskStatus,
)
from civicloop.assistant.services.desk.common import (
    AUTO_RESOLVE_HOURS,
    DeskRefused,
    Kind,
    _ids,
    _record,
    answering_roles,
    staff_name,
)
from civicloop.servicerequests.models import Service


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
