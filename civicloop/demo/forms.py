"""The demo page's form: which network, who, and what the resident writes."""

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.demo.resident_messages import KINDS


class ResidentMessageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Sent as"), choices=KINDS)
    sender = forms.CharField(
        label=_("From"),
        max_length=60,
        help_text=_("A name on the networks; a mobile number for WhatsApp and texts, e.g. (312) 555-0142."),
    )
    text = forms.CharField(
        label=_("What the resident writes"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") in ("whatsapp", "sms") and data.get("sender"):
            try:
                number = phonenumbers.parse(str(data["sender"]), "US")
            except phonenumbers.NumberParseException:
                number = None
            if number is None or not phonenumbers.is_valid_number(number):
                self.add_error("sender", _("Give a valid mobile number, e.g. (312) 555-0142."))
            else:
                data["sender"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return data
