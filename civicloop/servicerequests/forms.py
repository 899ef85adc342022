"""The resident's request form, built from a service definition, and the photo checks."""

from datetime import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.core.images import FORMATS, ImageRejected, SanitisedImage, image_sanitise
from civicloop.servicerequests.models import Service, ServiceAttribute
from civicloop.servicerequests.services import DESCRIPTION_MAX, STRING_MAX
from civicloop.subscriptions.forms import CheckboxGroup, RadioGroup, TelInput

ATTRIBUTE_PREFIX = "attr_"
# The file picker offers only the images core.images publishes: "image/jpeg,image/png,image/webp".
PHOTO_ACCEPT = ",".join(content_type for _extension, content_type in FORMATS.values())


def photo_check(photo: UploadedFile) -> SanitisedImage:
    """The photo re-encoded with no metadata (so no GPS position), or a message for the photo field.

    Refused: over 5 MB or the pixel budget, anything but a JPEG, PNG or WebP image (whatever the
    browser declared: the bytes decide), or a damaged or cut-short one.
    """
    try:
        return image_sanitise(photo)
    except ImageRejected as error:
        raise forms.ValidationError(error.message, code=error.code) from error


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _attribute_field(attribute: ServiceAttribute, spanish: bool) -> forms.Field:
    label = attribute.description_es if spanish and attribute.description_es else attribute.description
    common: dict[str, Any] = {
        "label": label,
        "required": attribute.required,
        "error_messages": {"required": _("Answer this question.")},
    }
    datatype = ServiceAttribute.Datatype
    if attribute.datatype in (datatype.SINGLEVALUELIST, datatype.MULTIVALUELIST):
        choices = [
            (str(value["key"]), (value.get("name_es") if spanish else None) or value["name"])
            for value in attribute.values
        ]
        common["error_messages"]["invalid_choice"] = _("Choose from the list.")
        if attribute.datatype == datatype.SINGLEVALUELIST:
            return forms.ChoiceField(choices=choices, widget=RadioGroup, **common)
        return forms.MultipleChoiceField(choices=choices, widget=CheckboxGroup, **common)
    if attribute.datatype == datatype.NUMBER:
        common["error_messages"]["invalid"] = _("Enter a number, like 12 or 3.5.")
        return forms.FloatField(**common)
    if attribute.datatype == datatype.DATETIME:
        common["error_messages"]["invalid"] = _("Enter a date and time, like 2026-05-01 14:30.")
        return forms.DateTimeField(widget=DateTimeLocalInput, **common)
    limit = DESCRIPTION_MAX if attribute.datatype == datatype.TEXT else STRING_MAX
    widget = forms.Textarea(attrs={"rows": 4}) if attribute.datatype == datatype.TEXT else forms.TextInput
    return forms.CharField(max_length=limit, widget=widget, **common)


class ServiceRequestForm(forms.Form):
    """A service's own questions, then where, what, a photo and how to send updates."""

    address = forms.CharField(
        required=False,
        max_length=300,
        label=_("Street address"),
        help_text=_("Like 1800 S Blue Island Ave. Or give a latitude and longitude below instead."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        label=_("Latitude"),
        help_text=_("Decimal degrees, like 41.8575."),
        error_messages={"invalid": _("Enter the latitude in decimal degrees, like 41.8575.")},
    )
    longitude = forms.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        label=_("Longitude"),
        help_text=_("Decimal degrees, like -87.6563."),
        error_messages={"invalid": _("Enter the longitude in decimal degrees, like -87.6563.")},
    )
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX,
        label=_("Describe the problem"),
        help_text=_("Everyone can read this on the request's page: do not include names or contact details."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photo = forms.FileField(
        required=False,
        label=_("Photo"),
        help_text=_("A JPEG, PNG or WebP image, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    email = forms.EmailField(
        required=False,
        max_length=254,
        label=_("Email address for updates"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"invalid": _("Enter a valid email address, like name@example.com.")},
    )
    phone = forms.CharField(
        required=False,
        max_length=32,
        label=_("Mobile number for text updates"),
        help_text=_("US numbers like (312) 555-0123."),
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, service: Service, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.attribute_codes: list[str] = []
        questions: dict[str, forms.Field] = {}
        for attribute in service.attributes.all():
            if attribute.variable:
                questions[ATTRIBUTE_PREFIX + attribute.code] = _attribute_field(attribute, language == "es")
                self.attribute_codes.append(attribute.code)
        self.fields = {**questions, **self.fields}

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[ATTRIBUTE_PREFIX + code] for code in self.attribute_codes]

    def clean_photo(self) -> SanitisedImage | None:
        photo = self.cleaned_data.get("photo")
        return photo_check(photo) if photo else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if {"latitude", "longitude", "address"} & set(self.errors):
            return cleaned
        if (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            self.add_error(missing, _("Give both the latitude and the longitude, or neither."))
        elif latitude is None and not (cleaned.get("address") or "").strip():
            self.add_error("address", _("Give a street address, or a latitude and longitude."))
        return cleaned

    def field_for_error(self, field: str | None) -> str | None:
        """The form field a service error names (None: the whole form)."""
        if field in self.attribute_codes:
            return ATTRIBUTE_PREFIX + field
        if field in ("lat", "long"):
            return "latitude"
        return field if field in self.fields else None

    def attribute_values(self) -> dict[str, list[str]]:
        """The answers as the service takes them: strings by attribute code; empty ones left out."""
        values: dict[str, list[str]] = {}
        for code in self.attribute_codes:
            value = self.cleaned_data.get(ATTRIBUTE_PREFIX + code)
            if value in (None, "", []):
                continue
            if isinstance(value, list):
                values[code] = [str(item) for item in value]
            elif isinstance(value, datetime):
                values[code] = [timezone.localtime(value).isoformat()]
            else:
                values[code] = [str(value)]
        return values

    @staticmethod
    def coordinate(value: float | None) -> str:
        return "" if value is None else repr(value)


class FollowForm(forms.Form):
    """Follow a public request: updates by email and/or text, each confirmed by a link first."""

    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=32,
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not (cleaned.get("email") or cleaned.get("phone", "").strip()):
            raise forms.ValidationError(_("Give an email address or a mobile number."), code="no_contact")
        return cleaned


class ReopenForm(forms.Form):
    """ "Not fixed?": what is still wrong, in the resident's words."""

    note = forms.CharField(
        label=_("What is still wrong?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Up to 1,000 characters. Do not include your name, email or phone number."),
    )
