"""Service-desk targets: the first reply from a member of staff, and resolved, each within so many of the
city's business hours (settings INBOX_BUSINESS_HOURS, INBOX_FIRST_REPLY_SLA_HOURS,
INBOX_RESOLUTION_SLA_HOURS), counted from the resident's first message. Reads only: no queries here."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from civicloop.assistant.models import SOCIAL_CHANNELS, Conversation, DeskStatus
from civicloop.core.business_hours import business_hours_add, schedule_parse


@dataclass(frozen=True)
class DeskTargets:
    applies: bool  # a conversation staff must answer (a social network's, or one taken over or assigned)
    first_reply_due: datetime
    first_reply_overdue: bool  # no staff reply yet, and past due
    first_reply_late: bool  # answered, but after it was due
    resolution_due: datetime
    resolution_overdue: bool


def desk_targets(
    conversation: Conversation, *, first_staff_reply_at: datetime | None, desk_state: str, now: datetime
) -> DeskTargets:
    schedule = schedule_parse(settings.INBOX_BUSINESS_HOURS)
    start = conversation.created_at
    reply_due = business_hours_add(start, float(settings.INBOX_FIRST_REPLY_SLA_HOURS), schedule)
    resolution_due = business_hours_add(start, float(settings.INBOX_RESOLUTION_SLA_HOURS), schedule)
    applies = (
        conversation.channel in SOCIAL_CHANNELS
        or conversation.taken_over_by_id is not None
        or conversation.assigned_to_id is not None
        or bool(conversation.assigned_team)
        or first_staff_reply_at is not None
    )
    return DeskTargets(
        applies=applies,
        first_reply_due=reply_due,
        first_reply_overdue=applies and first_staff_reply_at is None and now > reply_due,
        first_reply_late=first_staff_reply_at is not None and first_staff_reply_at > reply_due,
        resolution_due=resolution_due,
        resolution_overdue=applies and desk_state != DeskStatus.RESOLVED and now > resolution_due,
    )
