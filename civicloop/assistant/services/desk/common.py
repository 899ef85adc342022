"""What every part of the service desk shares: its error, staff names, and the record of every change."""

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.accounts.permissions import ROLE_CAPABILITIES, Capability
from civicloop.assistant.models import (
    Conversation,
    InboxEvent,
)
from civicloop.core.errors import DomainError, NotFound

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
