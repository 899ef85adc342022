"""Forms for moderation: a resident's report and appeal, a moderator's decision."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.moderation.models import Decision, ReasonCode
from civicloop.moderation.services import APPEAL_MAX, NOTE_MAX, REPORT_NOTE_MAX


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=ReasonCode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason from the list.")},
    )
    note = forms.CharField(
        label=_("Anything the moderators should know"),
        required=False,
        max_length=REPORT_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the decision change?"),
        max_length=APPEAL_MAX,
        help_text=_("You can appeal once. A moderator looks at your post again and tells you the outcome."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say why the decision should change.")},
    )


class DecisionForm(forms.Form):
    stage = forms.CharField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.Action.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve, reject or edit.")},
    )
    reason = forms.ChoiceField(
        label=_("Reason (for a rejection or an edit)"),
        choices=[("", _("Choose a reason")), *ReasonCode.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note to the author"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("Required for an edit: say what you changed and why. The author reads it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    title = forms.CharField(label=_("Title (for an edit)"), required=False, max_length=150)
    body = forms.CharField(
        label=_("Text (for an edit)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, is_comment: bool = False, editable: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_comment:
            del self.fields["title"]
        if not editable:  # a statement people voted on: approve or reject only
            action = self.fields["action"]
            action.choices = [c for c in Decision.Action.choices if c[0] != Decision.Action.EDIT]  # type: ignore[attr-defined]
            del self.fields["body"]
            if "title" in self.fields:
                del self.fields["title"]
