"""Resident forms for engage: sign in by magic link, post and edit ideas and comments.

Every post form has a honeypot: a field people never see; a bot that fills it is refused quietly.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.engage.services import COMMENT_MAX, DISPLAY_NAME_MAX, IDEA_BODY_MAX, PROMPT_MAX, TITLE_MAX
from civicloop.places.selectors import community_area_list

HONEYPOT_FIELD = "website"


class HoneypotForm(forms.Form):
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class SignInForm(HoneypotForm):
    display_name = forms.CharField(
        label=_("Your name, as shown with your posts"),
        max_length=DISPLAY_NAME_MAX,
        help_text=_("A first name or a nickname is fine."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={"required": _("Give the name to show with your posts.")},
    )
    contact = forms.CharField(
        label=_("Email address or mobile number"),
        max_length=254,
        help_text=_("We send you a link to sign in. It is never shown to anyone."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": _("Give an email address or a mobile number.")},
    )


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name, as shown with your posts"),
        max_length=DISPLAY_NAME_MAX,
        help_text=_("A first name or a nickname is fine."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={"required": _("Give the name to show with your posts.")},
    )


class SignInConfirmForm(forms.Form):
    # Optional: a link posted without it signs in with the name asked for when the link was sent.
    display_name = forms.CharField(
        label=_("Your name, as shown with your posts"),
        max_length=DISPLAY_NAME_MAX,
        required=False,
        help_text=_("Change it here if this is not the name you want shown."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class IdeaForm(HoneypotForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        error_messages={"required": _("Give your idea a short title.")},
    )
    body = forms.CharField(
        label=_("Your idea"),
        max_length=IDEA_BODY_MAX,
        help_text=_("What should the city do, and why? Do not include contact details."),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Describe your idea.")},
    )
    community_area = forms.ModelChoiceField(
        label=_("Community area"),
        queryset=community_area_list(),
        required=False,
        empty_label=_("All of the city / not about one area"),
        error_messages={"invalid_choice": _("Choose a community area from the list.")},
    )

    def __init__(self, *args: Any, with_area: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_area:
            del self.fields["community_area"]


class CommentForm(HoneypotForm):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your comment.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OfficialReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Official reply"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the reply.")},
    )


class JamPromptForm(forms.Form):
    text = forms.CharField(
        label=_("New prompt for the jam"),
        max_length=PROMPT_MAX,
        help_text=_("A question or a nudge for the people taking part. It shows at the top of the jam."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the prompt.")},
    )
