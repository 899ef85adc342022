"""Residents' messages in the inbox as moderation's reportables: staff report an abusive one from the
thread, three reports hide it from the thread, a moderator removes or restores it in the moderation
console. Registered from AssistantConfig.ready(), so that moderation imports no assistant module.

A message has no author moderation can tell (a phone number or a network account, not a resident's
account): no decision notice and no appeal. Nobody edits a resident's words: the record keeps them.
"""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.assistant.models import AssistantMessage
from civicloop.core.text import contact_details_mask
from civicloop.moderation import reportables

MESSAGE_MAX = 1600  # the longest text a resident's SMS reaches us as (10 segments)


def _message_edit(message: AssistantMessage, title: str, body: str, moment: datetime) -> None:
    raise ValueError("A resident's message is not edited: moderation refuses edits (editable=False).")


def _messages_described(cases: list[Any]) -> dict[int, reportables.Described]:
    """One query for the messages of these cases with their conversations; contact details masked, as
    a moderator need not have the inbox's right to see them."""
    messages = AssistantMessage.objects.select_related("conversation").in_bulk(
        [case.content_id for case in cases]
    )
    described = {}
    for case in cases:
        message = messages[case.content_id]
        channel = message.conversation.get_channel_display()
        described[case.pk] = reportables.Described(
            label=_("Message"),
            heading=_("The message"),
            yours=_("Your message"),
            title="",
            body=contact_details_mask(message.body),
            author_name=_("A resident, by %(channel)s") % {"channel": channel},
            path=reverse("staff:inbox-thread", args=[message.conversation_id]),
            context=_("Staff inbox, %(channel)s") % {"channel": channel},
            where=_("In a conversation in the staff inbox, by %(channel)s") % {"channel": channel},
            state_label=message.get_moderation_state_display(),
        )
    return described


MESSAGE = reportables.Reportable(
    kind="message",
    model=AssistantMessage,
    case_fields=lambda message: {},
    text=lambda message: ("", message.body),
    has_title=False,
    body_max=MESSAGE_MAX,
    edit=_message_edit,
    state_changed=lambda message, before, after: None,
    author=lambda message: None,
    notice=lambda message: {"what": "message", "is_comment": False, "idea_title": "", "idea_path": ""},
    listed=lambda states: list(
        AssistantMessage.objects.filter(moderation_state__in=states)
        .select_related("conversation")
        .order_by("id")
    ),
    export_place=lambda message: (None, str(message.conversation.get_channel_display()), ""),
    described=_messages_described,
    editable=False,
    author_id=lambda message: None,
)


def register() -> None:
    """Called from AssistantConfig.ready()."""
    reportables.reportable_register(MESSAGE)
