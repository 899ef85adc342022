"""Open311 GeoReport v2 dialect: Python structures for each resource, rendered as XML or JSON.

JSON is the mechanical mapping of the XML (arrays at the root). Only public fields are ever
emitted: never email, phone, names, device_id or account_id of a stored request, and emails or
phone numbers typed into free text are masked.
"""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, tzinfo
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from civicloop.core.text import contact_details_mask, web_address
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.selectors import PublicRow

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
    return moment.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


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


def request_public(row: PublicRow, zone: tzinfo, *, extensions: bool = False) -> dict[str, Any]:
    """One request (a selectors.request_search row), public fields only; datetimes local to `zone`."""
    public: dict[str, Any] = {
        "service_request_id": row["public_id"],
        "status": row["status"],
        "status_notes": public_text(row["status_notes"]),
        "service_name": row["service__name"],
        "service_code": row["service__code"],
        "description": public_text(row["description"]),
        "agency_responsible": row["agency_responsible"],
        "service_notice": "",
        "requested_datetime": w3c(row["requested_at"], zone),
        "updated_datetime": w3c(row["updated_at"], zone),
        "expected_datetime": w3c(row["expected_at"], zone),
        "address": row["address"],
        "address_id": row["address_id"],
        "zipcode": "",
        "lat": row["latitude"],
        "long": row["longitude"],
        # Rows stored before media_url was checked may hold javascript: and the like: never passed on.
        "media_url": web_address(row["media_url"]) or None,
    }
    if extensions:
        summaries = dict(ServiceRequest.Detailed.choices)
        public["extended_attributes"] = {
            "channel": row["channel"],
            "community_area": row["community_area__name"],
            "community_area_number": row["community_area__number"],
        }
        public["notes"] = [
            {
                "datetime": w3c(note["created_at"], zone),
                "summary": str(summaries.get(note["detailed_status"], note["detailed_status"])),
                "description": public_text(note["note"]),
                "type": note["detailed_status"],
            }
            for note in row["notes"]
        ]
    return public


def request_list(rows: list[PublicRow], *, extensions: bool = False) -> list[dict[str, Any]]:
    zone = timezone.get_current_timezone()  # once per page: a context-local lookup each time
    return [request_public(row, zone, extensions=extensions) for row in rows]


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
    # orjson: a tenth of the standard encoder's time on a 50-request page; str() for lazy texts.
    return HttpResponse(orjson.dumps(payload, default=str), content_type="application/json", status=status)


def error_response(status: int, description: str, fmt: str) -> HttpResponse:
    return response(errors(status, description), fmt, root="errors", item="error", status=status)
