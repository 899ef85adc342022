"""Writes for the inbox as a service desk: assignment to a person or a department's team, status (open,
pending, resolved) with reopening and auto-resolve, labels, private notes with @mentions, saved views,
and one thread per resident across channels (linking and unlinking conversations).

Every change is recorded as an InboxEvent with the staff member's name, for the conversation's record.
Bulk changes are set-based: one UPDATE for the conversations, one INSERT for their events.

The inbound paths that store residents' messages are hot and write rows without signals, so two things
are done from the inbox's side instead: a pending or resolved conversation the resident wrote to again
shows as open at once (computed when read) and is stored as open by the periodic task; and the SMS and
WhatsApp conversations of one number join when the inbox shows either (`desk_join_same_numbers`).

One module per part: assignment (and status), threads, labels (and saved views), notes (and @mentions), and
what they share (common). Everything callers use is importable from here.
"""

from civicloop.assistant.services.desk.assignment import (
    auto_resolve_hours,
    desk_assign,
    desk_assignable_staff,
    desk_auto_resolve,
    desk_reopen_answered,
    desk_status_set,
    desk_teams,
)
from civicloop.assistant.services.desk.common import (
    AUTO_RESOLVE_HOURS,
    MENTION,
    NOTE_MAX,
    DeskRefused,
    answering_roles,
    staff_name,
)
from civicloop.assistant.services.desk.labels import (
    desk_label_add,
    desk_label_remove,
    inbox_label_create,
    inbox_label_delete,
    inbox_saved_view_delete,
    inbox_saved_view_save,
)
from civicloop.assistant.services.desk.notes import desk_mention_email_send, desk_mentions_seen, desk_note_add
from civicloop.assistant.services.desk.threads import desk_join_same_numbers, desk_link, desk_unlink

__all__ = [
    "AUTO_RESOLVE_HOURS",
    "MENTION",
    "NOTE_MAX",
    "DeskRefused",
    "answering_roles",
    "auto_resolve_hours",
    "desk_assign",
    "desk_assignable_staff",
    "desk_auto_resolve",
    "desk_join_same_numbers",
    "desk_label_add",
    "desk_label_remove",
    "desk_link",
    "desk_mention_email_send",
    "desk_mentions_seen",
    "desk_note_add",
    "desk_reopen_answered",
    "desk_status_set",
    "desk_teams",
    "desk_unlink",
    "inbox_label_create",
    "inbox_label_delete",
    "inbox_saved_view_delete",
    "inbox_saved_view_save",
    "staff_name",
]
