"""Where the problem is, and its photo, in a report by text: an address or two cross streets resolved to a
point in Chicago (or a link to drop a pin on the web form); by text a photo may follow as MMS."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.assistant.services.intake.questions import SKIP_WORDS
from civicloop.places.geocoding import LocatedPlace

NO_PHOTO = SKIP_WORDS | {"no", "nope", "no photo", "sin foto", "no tengo", "no thanks", "no gracias"}
PHOTO_TYPES = {"image/jpeg", "image/jpg", "image/png", "image/webp"}  # what image_sanitise reads


def _place_context(place: LocatedPlace) -> dict[str, Any]:
    return {"latitude": place.latitude, "longitude": place.longitude, "label": place.label}


def _photos(media: list[dict[str, str]] | None) -> tuple[list[dict[str, str]], bool]:
    """The photos among an MMS's attachments, and whether anything else was attached."""
    photos = [item for item in media or [] if item.get("content_type", "").lower() in PHOTO_TYPES]
    return photos[:1], len(photos) < len(media or [])


def _web_form_link(code: str) -> str:
    return settings.SITE_URL + reverse("requests:new", args=[code])


def _location_question(code: str) -> str:
    return _(
        "Where is it? Reply with an address (e.g. 3500 S Halsted St) or two cross streets "
        "(e.g. 35th and Halsted). Or drop a pin: %(link)s"
    ) % {"link": _web_form_link(code)}
