from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.places.selectors import community_area_list
from civicloop.subscriptions.contacts import EMAIL_MAX_LENGTH, PHONE_MAX_LENGTH, phone_normalise
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import Frequency, Language
from civicloop.topics.selectors import topic_list


class _FirstOptionAnchored:
    """Give a group of options the id of its first input, so the error summary can link to it.

    Django returns "" for the group (good for a <label>), which leaves "#" links in includes/form_errors.html.
    """

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, "0" if index is None else index)  # type: ignore[misc]


class CheckboxGroup(_FirstOptionAnchored, forms.CheckboxSelectMultiple):
    pass


class RadioGroup(_FirstOptionAnchored, forms.RadioSelect):
    pass


class TelInput(forms.TextInput):
    input_type = "tel"


class PreferencesForm(forms.Form):
    """What a subscriber wants to hear about, how and how often (also the core of the subscribe form)."""

    topics = forms.ModelMultipleChoiceField(
        queryset=topic_list(),  # lazy; each form gets its own copy
        widget=CheckboxGroup,
        label=_("Topics"),
        help_text=_("Choose at least one."),
        error_messages={
            "required": _("Choose at least one topic."),
            "invalid_choice": _("Choose topics from the list."),
            "invalid_pk_value": _("Choose topics from the list."),
        },
    )
    all_areas = forms.BooleanField(
        required=False, label=_("All of Chicago (updates for every community area and the whole city)")
    )
    areas = forms.ModelMultipleChoiceField(
        queryset=community_area_list(),
        required=False,
        widget=CheckboxGroup,
        label=_("Community areas"),
        help_text=_("Choose the areas you care about, or All of Chicago above."),
        error_messages={
            "invalid_choice": _("Choose community areas from the list."),
            "invalid_pk_value": _("Choose community areas from the list."),
        },
    )
    language = forms.ChoiceField(
        choices=Language.choices,
        widget=RadioGroup,
        label=_("Language of your updates"),
        error_messages={
            "required": _("Choose a language."),
            "invalid_choice": _("Choose a language from the list."),
        },
    )
    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        widget=RadioGroup,
        label=_("How often"),
        initial=Frequency.IMMEDIATELY,
        error_messages={
            "required": _("Choose how often you want updates."),
            "invalid_choice": _("Choose how often from the list."),
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all_areas") and not cleaned.get("areas") and "areas" not in self.errors:
            self.add_error("areas", _("Choose at least one community area, or All of Chicago."))
        return cleaned


class SubscribeForm(PreferencesForm):
    email = forms.EmailField(
        required=False,
        max_length=EMAIL_MAX_LENGTH,
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": _("Enter a valid email address, like name@example.com."),
            "max_length": _(
                "Email addresses can be at most %(limit_value)d characters long "
                "(this one has %(show_value)d)."
            ),
        },
    )
    phone = forms.CharField(
        required=False,
        max_length=PHONE_MAX_LENGTH,
        label=_("Mobile number"),
        help_text=_(
            "For text messages. US numbers like (312) 555-0123; other countries with their code, like +52."
        ),
        widget=TelInput(attrs={"autocomplete": "tel"}),
        error_messages={
            "max_length": _(
                "Mobile numbers can be at most %(limit_value)d characters long (this one has %(show_value)d)."
            ),
        },
    )

    field_order = ["email", "phone", "topics", "all_areas", "areas", "language", "frequency"]

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone") or ""
        if not raw.strip():
            return ""
        try:
            return phone_normalise(raw)
        except SubscriptionInvalid as error:
            raise forms.ValidationError(error.message, code="invalid") from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            not cleaned.get("email")
            and not cleaned.get("phone")
            and not {"email", "phone"} & set(self.errors)
        ):
            self.add_error("email", _("Enter an email address or a mobile number, or both."))
        return cleaned
