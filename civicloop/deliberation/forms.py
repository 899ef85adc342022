"""The vote form: which statement, and agree / disagree / pass."""

from django import forms
from django.utils.translation import gettext_lazy as _

VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


class VoteForm(forms.Form):
    statement = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    vote = forms.ChoiceField(
        label=_("Your vote"),
        choices=[("agree", _("Agree")), ("disagree", _("Disagree")), ("pass", _("Pass / unsure"))],
    )

    def vote_value(self) -> int:
        return VOTE_VALUES[self.cleaned_data["vote"]]
