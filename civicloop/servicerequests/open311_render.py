"""Open311 GeoReport v2 dialect: Python structures for each resource, rendered as XML or JSON.

JSON is the mechanical mapping of the XML (arrays at the root). Only public fields are ever
emitted: never email, phone, names, device_id or account_id of a stored request, and emails or
phone numbers typed into free text are masked.
"""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from civicloop.core.text import contact_details_mask
from civicloop.servicerequests.models import Service, ServiceRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00-06:00"
FORMATS = ["text/xml", "application/json"]
# The XML element of one item in each list (the JSON is the same structure with arrays).
ITEM_NAMES = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
}
# Characters XML 1.0 cannot carry, even escaped.
XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Payload = dict[str, Any] | list[dict[str, Any]]


def w3c(moment: datetime | None, zone: tzinfo | None = None) -> str | None:
    """`2026-11-21T15:00:00-06:00`: local time with its offset; `zone` saves looking the zone up again."""
    if moment is None:
        return None
    return timezone.localtime(moment, zone).isoformat(timespec="seconds")


def public_text(text: str) -> str:
    """Free text as the public may see it (see core.text.contact_details_mask)."""
    return contact_details_mask(text)


# Resources -------------------------------------------------------------------------------------


def discovery() -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "Call 311 or write to the City's 311 team."),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "Ask the City's 311 team for an API key."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings.SITE_URL + "/open311/v2/",
                "changeset": CHANGESET,
                "type": "production",
                "formats": FORMATS,
            }
        ],
    }


def service_list(services: list[Service]) -> list[dict[str, Any]]:
    return [
        {
            "service_code": service.code,
            "service_name": service.name,
            "description": service.name,
            "metadata": bool(getattr(service, "has_attributes", False)),
            "type": "realtime",
            "keywords": service.keywords,
            "group": service.department,
        }
        for service in services
    ]


def service_definition(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                # The spec counts from 1 ("1 is shown first"); stored orders count from 0.
                "order": attribute.order + 1,
                "description": attribute.description,
                "values": [
                    {"key": str(value["key"]), "name": str(value["name"])} for value in attribute.values
                ],
            }
            for attribute in service.attributes.all()
        ],
    }


def request_created(request: ServiceRequest) -> list[dict[str, Any]]:
    """The POST answer; account_id is the client's own, echoed back."""
    return [{"service_request_id": request.public_id, "service_notice": "", "account_id": request.account_id}]


def request_token(request: ServiceRequest) -> list[dict[str, Any]]:
    return [{"service_request_id": request.public_id, "token": request.token}]


def request_public(request: ServiceRequest, *, extensions: bool = False) -> dict[str, Any]:
    """One request, public fields only."""
    zone = timezone.get_current_timezone()
    row: dict[str, Any] = {
        "service_request_id": request.public_id,
        "status": request.status,
        "status_notes": public_text(request.status_notes),
        "service_name": request.service.name,
        "service_code": request.service.code,
        "description": public_text(request.description),
        "agency_responsible": request.agency_responsible,
        "service_notice": "",
        "requested_datetime": w3c(request.requested_at, zone),
        "updated_datetime": w3c(request.updated_at, zone),
        "expected_datetime": w3c(request.expected_at, zone),
        "address": request.address,
        "address_id": request.address_id,
        "zipcode": "",
        "lat": request.latitude,
        "long": request.longitude,
        "media_url": request.media_url or None,
    }
    if extensions:
        area = request.community_area
        row["extended_attributes"] = {
            "channel": request.channel,
            "community_area": area.name if area else None,
            "community_area_number": area.number if area else None,
        }
        row["notes"] = [
            {
                "datetime": w3c(change.created_at, zone),
                "summary": change.get_detailed_status_display(),
                "description": public_text(change.note),
                "type": change.detailed_status,
            }
            for change in request.changes.all()
        ]
    return row


def request_list(requests: list[ServiceRequest], *, extensions: bool = False) -> list[dict[str, Any]]:
    return [request_public(request, extensions=extensions) for request in requests]


def errors(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": description}]


# Formats ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID_RE.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(payload: Payload, *, root: str, item: str = "") -> str:
    """The spec's XML: `root` wraps the document; each array item at the root is an `item` element."""
    element = ET.Element(root)
    if isinstance(payload, list):
        for row in payload:
            _fill(ET.SubElement(element, item), row)
    else:
        _fill(element, payload)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def response(payload: Payload, fmt: str, *, root: str, item: str = "", status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(payload, root=root, item=item), content_type="text/xml; charset=utf-8", status=status
        )
    return JsonResponse(payload, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error_response(status: int, description: str, fmt: str) -> HttpResponse:
    return response(errors(status, description), fmt, root="errors", item="error", status=status)
