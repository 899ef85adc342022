"""The web assistant's form: one question at a time."""

from django import forms
from django.utils.translation import gettext_lazy

from civicloop.assistant.services.web import WEB_BODY_MAX


class ChatForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=WEB_BODY_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Type a question first.")},
    )
