"""What a resident or an Open311 client sent, and its checks: location, attributes, photo link, contact."""

from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civicloop.core.text import web_address
from civicloop.places.selectors import community_area_for_point
from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest
from civicloop.servicerequests.services.errors import ServiceRequestInvalid

DESCRIPTION_MAX = 4000
STRING_MAX = 200
MEDIA_URL_MAX = 500
EMAIL_MAX = 254  # ServiceRequest.email's column (EmailField's default length)


@dataclass
class RequestInput:
    """What a resident or an Open311 client sent; strings as received (an empty one counts as missing)."""

    service_code: str
    latitude: str = ""
    longitude: str = ""
    address: str = ""
    address_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""
    media_url: str = ""
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    account_id: str = ""
    language: str = "en"
    channel: str = ServiceRequest.Channel.WEB


def _location(data: RequestInput) -> tuple[float | None, float | None, Any]:
    if not (data.latitude and data.longitude) and (data.latitude or data.longitude):
        raise ServiceRequestInvalid(_("Both lat and long are required together."), field="lat")
    if data.latitude and data.longitude:
        try:
            latitude, longitude = float(data.latitude), float(data.longitude)
        except ValueError as error:
            raise ServiceRequestInvalid(_("lat and long must be decimal degrees."), field="lat") from error
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ServiceRequestInvalid(_("lat or long is out of range."), field="lat")
        area = community_area_for_point(latitude=latitude, longitude=longitude)
        if area is None:
            raise ServiceRequestInvalid(_("That location is outside the City of Chicago."), field="lat")
        return latitude, longitude, area
    if not (data.address.strip() or data.address_id.strip()):
        raise ServiceRequestInvalid(
            _("A location is required: lat and long, address_string or address_id."), field="address"
        )
    return None, None, None


def _attribute_values(service: Service, given: dict[str, list[str]]) -> dict[str, Any]:
    """Check every answer against the service definition; returns the clean values by code."""
    definitions = {attribute.code: attribute for attribute in service.attributes.all()}
    unknown = sorted(set(given) - set(definitions))
    if unknown:
        raise ServiceRequestInvalid(f"Unknown attribute: {unknown[0]}.", field="attributes")
    clean: dict[str, Any] = {}
    for code, attribute in definitions.items():
        values = [value for value in given.get(code, []) if value.strip()]
        if not values:
            if attribute.required and attribute.variable:
                raise ServiceRequestInvalid(f"Attribute {code} is required.", field=code)
            continue
        clean[code] = _checked(attribute, values)
    return clean


def _checked(attribute: ServiceAttribute, values: list[str]) -> Any:
    code, datatype = attribute.code, attribute.datatype
    if datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
        wrong = [value for value in values if value not in attribute.value_keys()]
        if wrong:
            raise ServiceRequestInvalid(f"Attribute {code} has no value {wrong[0]!r}.", field=code)
        return values
    if len(values) > 1:
        raise ServiceRequestInvalid(f"Attribute {code} takes one value.", field=code)
    value = values[0].strip()
    if datatype == ServiceAttribute.Datatype.SINGLEVALUELIST and value not in attribute.value_keys():
        raise ServiceRequestInvalid(f"Attribute {code} has no value {value!r}.", field=code)
    if datatype == ServiceAttribute.Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError as error:
            raise ServiceRequestInvalid(f"Attribute {code} must be a number.", field=code) from error
        if number != number or number in (float("inf"), float("-inf")):
            raise ServiceRequestInvalid(f"Attribute {code} must be a number.", field=code)
        return number
    if datatype == ServiceAttribute.Datatype.DATETIME:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise ServiceRequestInvalid(f"Attribute {code} must be a W3C datetime.", field=code)
        return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)).isoformat()
    limit = DESCRIPTION_MAX if datatype == ServiceAttribute.Datatype.TEXT else STRING_MAX
    if len(value) > limit:
        raise ServiceRequestInvalid(f"Attribute {code} is longer than {limit} characters.", field=code)
    return value


def _media_url(given: str) -> str:
    """The photo link an Open311 client sent: an http or https address, never javascript: or data:."""
    url = given.strip()
    if not url:
        return ""
    if len(url) > MEDIA_URL_MAX:
        raise ServiceRequestInvalid(
            _("media_url is longer than %(limit)d characters.") % {"limit": MEDIA_URL_MAX}, field="media_url"
        )
    if not web_address(url):
        raise ServiceRequestInvalid(
            _("media_url must be a web address starting with http:// or https://."), field="media_url"
        )
    return url


def _contact(data: RequestInput) -> tuple[str, str]:
    email = data.email.strip().lower()
    if email:
        try:
            if len(email) > EMAIL_MAX:  # validate_email takes up to 320: PostgreSQL would refuse the row
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError as error:
            raise ServiceRequestInvalid(_("email is not a valid email address."), field="email") from error
    phone = ""
    if data.phone.strip():
        try:
            number = phonenumbers.parse(data.phone, "US")
        except phonenumbers.NumberParseException as error:
            raise ServiceRequestInvalid(_("phone is not a valid phone number."), field="phone") from error
        if not phonenumbers.is_valid_number(number):
            raise ServiceRequestInvalid(_("phone is not a valid phone number."), field="phone")
        phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return email, phone
