"""Residents' forms (a vote, a statement) and staff forms (moderating statements, the report)."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicloop.deliberation.models import OFFICIAL_RESPONSE_MAX_LENGTH, STATEMENT_MAX_LENGTH, Statement
from civicloop.engage.forms import HoneypotForm
from civicloop.moderation.models import ReasonCode

VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


class VoteForm(forms.Form):
    statement = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    vote = forms.ChoiceField(
        label=_("Your vote"),
        choices=[("agree", _("Agree")), ("disagree", _("Disagree")), ("pass", _("Pass / unsure"))],
    )

    def vote_value(self) -> int:
        return VOTE_VALUES[self.cleaned_data["vote"]]


class StatementForm(HoneypotForm):
    """A resident's statement; like every post form, with engage's honeypot against bots."""

    text = forms.CharField(
        label=_("Add a statement"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Made per request, in the reader's language.
        self.fields["text"].help_text = gettext(
            "One short idea others can agree or disagree with, %(limit)d characters at most. "
            "Statements follow the code of conduct."
        ) % {"limit": STATEMENT_MAX_LENGTH}


class StatementDecisionForm(forms.Form):
    """A moderator's accept / reject of a statement; `seen` is the state the page showed."""

    seen = forms.ChoiceField(choices=Statement.Moderation.choices, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept: publish it")), ("reject", _("Reject: remove it"))]
    )
    reason = forms.ChoiceField(
        label=_("Reason (for a rejection)"), choices=[("", "—"), *ReasonCode.choices], required=False
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=1000, required=False, widget=forms.TextInput
    )


class PublishForm(forms.Form):
    publish = forms.ChoiceField(choices=[("1", "1"), ("0", "0")], widget=forms.HiddenInput)


class OfficialResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Official response"),
        max_length=OFFICIAL_RESPONSE_MAX_LENGTH,
        help_text=_("What the city will do with what residents said. Shown with the published report."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
