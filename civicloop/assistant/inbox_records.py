"""A conversation as a record, for public-records requests: every message in and out, every staff action
and private note, in time order, with times and staff names (/staff/inbox/<id>/record.csv).

Read-only. Residents' contact details are masked for staff who may not see them, as on the thread page.
"""

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability, user_can
from civicloop.assistant import inbox_selectors
from civicloop.assistant.models import AssistantMessage, Conversation, InboxEvent, InboxNote
from civicloop.core.errors import NotFound

HEADER = ("time", "entry", "channel", "by", "text", "sent")


def _staff_name(user: object) -> str:
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "username", ""))


def conversation_record_rows(
    conversation: Conversation, *, show_contact_details: bool
) -> Iterator[tuple[str, ...]]:
    """The record's rows, oldest first (three queries, whatever the conversation's length)."""
    resident = inbox_selectors.resident_label(conversation, show_contact_details=show_contact_details)
    entries: list[tuple[datetime, int, tuple[str, ...]]] = []
    messages = AssistantMessage.objects.filter(conversation=conversation).select_related("sent_by")
    for message in messages.order_by("created_at", "id"):
        inbound = message.direction == AssistantMessage.Direction.IN
        if inbound:
            by, text = (
                resident,
                inbox_selectors.message_text(
                    conversation, message.body, show_contact_details=show_contact_details
                ),
            )
        else:
            by = _staff_name(message.sent_by) if message.sent_by else "assistant"
            text = message.body
        entry = "message from the resident" if inbound else "reply"
        entries.append(
            (message.created_at, message.pk, (entry, conversation.channel, by, text, message.send_status))
        )
    for event in InboxEvent.objects.filter(conversation=conversation).order_by("created_at", "id"):
        entries.append(
            (event.created_at, event.pk, (event.get_kind_display(), "", event.actor_name, event.detail, ""))
        )
    for note in InboxNote.objects.filter(conversation=conversation).order_by("created_at", "id"):
        entries.append((note.created_at, note.pk, ("private note", "", note.author_name, note.body, "")))
    for moment, _pk, row in sorted(entries, key=lambda item: (item[0], item[1])):
        yield (timezone.localtime(moment).isoformat(timespec="seconds"), *row)


@never_cache
@require_safe
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_record(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = inbox_selectors.inbox_conversation(conversation_id=conversation_id)
    except NotFound as error:
        raise Http404(error.message) from error
    show = user_can(request.user, Capability.VIEW_CONTACT_DETAILS)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(conversation_record_rows(conversation, show_contact_details=show))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="conversation-{conversation.pk}.csv"'
    return response
