"""What staff and residents type, checked before anything is stored: required text, contact addresses."""

from django.utils.translation import gettext as _

from civicloop.engage.services.errors import EngageInvalid
from civicloop.subscriptions.contacts import email_normalise, phone_normalise
from civicloop.subscriptions.models import ContactPoint


def _required_text(value: str, *, field: str, limit: int, message: str) -> str:
    text = value.strip()
    if not text:
        raise EngageInvalid(message, field=field)
    if len(text) > limit:
        raise EngageInvalid(_("Keep it under %(limit)d characters.") % {"limit": limit}, field=field)
    return text


def _contact_value(raw: str) -> tuple[str, str]:
    """(kind, normalised value) for an email address or a mobile number typed by staff or a resident."""
    if "@" in raw:
        return ContactPoint.Kind.EMAIL, email_normalise(raw)
    return ContactPoint.Kind.SMS, phone_normalise(raw)
