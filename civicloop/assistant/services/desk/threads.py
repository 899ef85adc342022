"""One thread per resident across channels: the SMS and WhatsApp conversations of one number join, and
staff link or unlink any two (reversible, recorded)."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.assistant.models import (
    PHONE_CHANNELS,
    Conversation,
    ResidentThread,
)
from civicloop.assistant.services.desk.common import DeskRefused, Kind, _conversation, _record


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
    # By the phone index alone (only texts and WhatsApp have a number): a channel test in the query lets
    # the planner pick a channel index and read every text conversation instead.
    for pk, channel, phone, thread_id in Conversation.objects.filter(
        phone__in=phones, thread_unlinked_at__isnull=True
    ).values_list("pk", "channel", "phone", "resident_thread_id"):
        if channel in PHONE_CHANNELS:
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
