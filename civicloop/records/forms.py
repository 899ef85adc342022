from django import forms
from django.utils.translation import gettext_lazy as _


class ResidentIdentifiersForm(forms.Form):
    email = forms.CharField(label=_("Email address"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        required=False,
        help_text=_("Any common form, e.g. (312) 555-0123 or +52 55 1234 5678."),
    )
    email.widget.attrs.update(autocomplete="off", spellcheck="false")
    phone.widget.attrs.update(autocomplete="off", inputmode="tel")


class ErasureConfirmForm(ResidentIdentifiersForm):
    confirm = forms.BooleanField(
        label=_("I have checked the request and understand that this cannot be undone."), required=True
    )
