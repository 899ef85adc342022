"""Labels on conversations, and each member of staff's saved views of the inbox."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.assistant.models import (
    Conversation,
    InboxLabel,
    InboxSavedView,
)
from civicloop.assistant.services.desk.common import DeskRefused, Kind, _ids, _record


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
