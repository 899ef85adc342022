from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorCodeForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        help_text=_("Open your authenticator app and enter the code it shows for this account."),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
                "size": 8,
            }
        ),
        error_messages={
            "required": _("Enter the 6-digit code from your authenticator app."),
            "min_length": _("Enter all 6 digits of the code."),
            "max_length": _("Enter the 6-digit code only."),
        },
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Staff username"), required=False, max_length=150)
    since = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (date, included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
