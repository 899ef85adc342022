"""Forms for the staff inbox: its filters, and a reply with the idempotency key it was rendered with."""

import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from civicloop.assistant import inbox_selectors
from civicloop.assistant.inbox_selectors import InboxFilters
from civicloop.assistant.models import Conversation, DeskStatus, InboxLabel
from civicloop.assistant.services.desk import NOTE_MAX
from civicloop.assistant.services.inbox import REPLY_MAX
from civicloop.engage.models import Question
from civicloop.engage.services import IDEA_BODY_MAX, TITLE_MAX

STATE_CHOICES = [
    (inbox_selectors.ALL, _("All conversations")),
    (inbox_selectors.NEEDS_ANSWER, _("Waiting for an answer")),
    (inbox_selectors.MINE, _("Taken over by me")),
    (inbox_selectors.TAKEN_OVER, _("Taken over by anyone")),
]
COMMUNITY_AREAS = 77  # Chicago's, numbered 1 to 77
CHANNEL_CHOICES = [("", _("All channels")), *Conversation.Channel.choices]


def inbox_filters_parse(params: QueryDict) -> InboxFilters:
    """The inbox's filters from a query string; unknown values fall back to the defaults."""
    channel = params.get("channel", "").strip()
    state = params.get("state", "").strip()
    label = params.get("label", "").strip()
    assignee = params.get("assignee", "").strip()
    status = params.get("status", "").strip()
    area = params.get("area", "").strip()[:4]
    return InboxFilters(
        channel=channel if channel in inbox_selectors.CHANNELS else "",
        state=state if state in inbox_selectors.STATES else inbox_selectors.ALL,
        language=params.get("language", "").strip()[:8],
        label=int(label) if label.isdigit() and len(label) < 10 else 0,
        assignee=assignee
        if assignee in (inbox_selectors.ASSIGNED_TO_ME, inbox_selectors.UNASSIGNED)
        or (assignee.isdigit() and len(assignee) < 10)
        else "",
        team=params.get("team", "").strip()[:100],
        status=status if status in inbox_selectors.DESK_STATUSES else "",
        area=int(area) if area.isdigit() and 0 < int(area) <= COMMUNITY_AREAS else 0,
    )


def inbox_query(filters: InboxFilters) -> str:
    """The query string that shows these filters again (pagination links)."""
    values = {
        "channel": filters.channel,
        "state": filters.state if filters.state != inbox_selectors.ALL else "",
        "language": filters.language,
        "label": str(filters.label) if filters.label else "",
        "assignee": filters.assignee,
        "team": filters.team,
        "status": filters.status,
        "area": str(filters.area) if filters.area else "",
    }
    return urlencode({name: value for name, value in values.items() if value})


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class InboxReplyForm(forms.Form):
    # Not required by the form: a WhatsApp template carries its own words (the service asks for a reply).
    body = forms.CharField(
        label=_("Your reply"),
        max_length=REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
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
    # One resident's joined conversations: which one the reply goes out on (empty: this one).
    via = forms.IntegerField(label=_("Reply on"), required=False, min_value=1)
    # WhatsApp more than 24 hours after the resident's last message: an approved template instead.
    whatsapp_template = forms.IntegerField(label=_("Approved WhatsApp template"), required=False, min_value=1)


STATUS_CHOICES = [("", _("Any status")), *DeskStatus.choices]
BULK_ACTIONS = ("assign", "label", "resolve")


def posted_ids(values: list[str]) -> list[int]:
    """Conversation ids ticked on the list (anything else is ignored)."""
    return [int(value) for value in values if value.isdigit() and len(value) < 12][:500]


def posted_int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


class InboxNoteForm(forms.Form):
    prefix = "note"  # the reply box on the same page is "body" too
    body = forms.CharField(
        label=_("Private note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see notes. Write @ and a colleague's username to email them."),
        error_messages={"required": _("Write the note first.")},
    )


class InboxLabelForm(forms.Form):
    name = forms.CharField(label=_("Label name"), max_length=50)
    colour = forms.ChoiceField(label=_("Colour"), choices=InboxLabel.Colour.choices)


class InboxSavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=60)


class InboxIdeaForm(forms.Form):
    """A resident's message as an idea on one of the open questions (`questions`, listed by the view)."""

    question = forms.TypedChoiceField(
        label=_("Open question"),
        coerce=int,
        error_messages={
            "required": _("Choose the question this idea answers."),
            "invalid_choice": _("Choose one of the questions open for ideas now."),
        },
    )
    title = forms.CharField(
        label=_("Title of the idea"),
        max_length=TITLE_MAX,
        error_messages={"required": _("Give the idea a short title.")},
    )
    body = forms.CharField(
        label=_("The idea, in the resident's words"),
        max_length=IDEA_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Shown publicly under the resident's name: leave out anything that would identify them."),
        error_messages={"required": _("Write the idea first.")},
    )
    # Made when the page is shown: the same form posted twice makes one idea.
    idempotency_key = forms.CharField(
        label=_("Form"),
        widget=forms.HiddenInput,
        max_length=59,  # the message telling the resident adds a prefix, within the reply key's 64
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,59}$")],
        error_messages={"required": _("This form has expired. Reload the page and write the idea again.")},
    )

    def __init__(self, *args: Any, questions: Sequence[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["question"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("Choose a question")),
            *((question.pk, f"{question.text} ({question.space.title})") for question in questions),
        ]
