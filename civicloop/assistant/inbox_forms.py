"""Forms for the staff inbox: its filters, and a reply with the idempotency key it was rendered with."""

import secrets

from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from civicloop.assistant import inbox_selectors
from civicloop.assistant.inbox_selectors import InboxFilters
from civicloop.assistant.models import Conversation
from civicloop.assistant.services.inbox import REPLY_MAX

STATE_CHOICES = [
    (inbox_selectors.ALL, _("All conversations")),
    (inbox_selectors.NEEDS_ANSWER, _("Waiting for an answer")),
    (inbox_selectors.MINE, _("Taken over by me")),
    (inbox_selectors.TAKEN_OVER, _("Taken over by anyone")),
]
CHANNEL_CHOICES = [("", _("All channels")), *Conversation.Channel.choices]


def inbox_filters_parse(params: QueryDict) -> InboxFilters:
    """The inbox's filters from a query string; unknown values fall back to the defaults."""
    channel = params.get("channel", "").strip()
    state = params.get("state", "").strip()
    return InboxFilters(
        channel=channel if channel in inbox_selectors.CHANNELS else "",
        state=state if state in inbox_selectors.STATES else inbox_selectors.ALL,
    )


def inbox_query(filters: InboxFilters) -> str:
    """The query string that shows these filters again (pagination links)."""
    values = {
        "channel": filters.channel,
        "state": filters.state if filters.state != inbox_selectors.ALL else "",
    }
    return urlencode({name: value for name, value in values.items() if value})


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class InboxReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write a reply first.")},
    )
    # Made when the page is shown: the same form posted twice sends one reply.
    idempotency_key = forms.CharField(
        label=_("Form"),
        widget=forms.HiddenInput,
        max_length=64,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")],
        error_messages={"required": _("This form has expired. Reload the page and write the reply again.")},
    )
    # A Facebook or Instagram comment: answered under it, or by one private message to its author.
    reply_as = forms.ChoiceField(
        label=_("How to answer the comment"),
        choices=[("public", _("Reply publicly")), ("private", _("Reply privately"))],
        widget=forms.RadioSelect,
        required=False,
        initial="public",
    )
