"""Normalising contact points, so one address or number is one row however it was typed."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from civicloop.subscriptions.errors import SubscriptionInvalid

EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit
PHONE_MAX_LENGTH = 32
PHONE_DEFAULT_REGION = "US"


def email_normalise(value: str) -> str:
    """The address stripped and lowercased; raises SubscriptionInvalid(field="email") if unusable."""
    email = value.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise SubscriptionInvalid(
            str(_("Email addresses can be at most %(max)d characters long.") % {"max": EMAIL_MAX_LENGTH}),
            field="email",
        )
    try:
        validate_email(email)
    except ValidationError as error:
        raise SubscriptionInvalid(str(_("Enter a valid email address.")), field="email") from error
    return email


def phone_normalise(value: str, *, region: str = PHONE_DEFAULT_REGION) -> str:
    """The number in E.164 (+13125550123); raises SubscriptionInvalid(field="phone") if not a real number."""
    raw = value.strip()
    if len(raw) > PHONE_MAX_LENGTH:
        raise SubscriptionInvalid(
            str(_("Mobile numbers can be at most %(max)d characters long.") % {"max": PHONE_MAX_LENGTH}),
            field="phone",
        )
    invalid = SubscriptionInvalid(
        str(_("Enter a valid mobile number, like (312) 555-0123, or +52 55 1234 5678 outside the US.")),
        field="phone",
    )
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise invalid from error
    if not phonenumbers.is_valid_number(number):
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
