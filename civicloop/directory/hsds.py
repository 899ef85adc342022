"""The directory in Open Referral HSDS 3.0 form, paged as the HSDS API reference pages `/services`.

A plain JSON interface (not the /api/v1/ ninja API): its paths, field names and paging are HSDS's own."""

import math
import re
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from civicloop.core.errors import NotFound
from civicloop.directory import selectors
from civicloop.directory.models import DirectoryEntry, ServiceLocation
from civicloop.topics.models import Topic

PER_PAGE = 50
PER_PAGE_MAX = 100
_IDS = uuid.UUID("0b6f6f4e-3c8b-4d0c-9a53-1f3e0d2a7c11")  # namespace of the ids derived below
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")
LANGUAGES = {code for code, _ in settings.LANGUAGES}


def _id(*parts: object) -> str:
    """A stable UUID for a thing with no id of its own (a department, a phone, a schedule)."""
    return str(uuid.uuid5(_IDS, ":".join(str(part) for part in parts)))


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _address(location: ServiceLocation) -> dict[str, Any]:
    zip_code = _ZIP.search(location.address)
    return {
        "id": _id("address", location.slug),
        "location_id": _id("location", location.slug),
        "attention": None,
        "address_1": location.address.split(",")[0].strip(),
        "address_2": None,
        "city": "Chicago",
        "region": location.community_area.name if location.community_area else None,
        "state_province": "IL",
        "postal_code": zip_code.group(1) if zip_code else "",
        "country": "US",
        "address_type": "physical",
    }


def _phone(number: str, **owner: str) -> dict[str, Any]:
    return {
        "id": _id("phone", number, *owner.values()),
        "number": number,
        "extension": None,
        "type": "voice",
        "description": None,
        "languages": [],
        **owner,
    }


def _service_at_location(entry: DirectoryEntry, location: ServiceLocation) -> dict[str, Any]:
    location_id = _id("location", location.slug)
    service_at_location_id = _id("service_at_location", entry.hsds_id, location.slug)
    schedules = (
        [
            {
                "id": _id("schedule", entry.hsds_id, location.slug),
                "service_at_location_id": service_at_location_id,
                "description": location.hours,
            }
        ]
        if location.hours
        else []
    )
    return {
        "id": service_at_location_id,
        "service_id": str(entry.hsds_id),
        "location_id": location_id,
        "description": None,
        "schedules": schedules,
        "phones": [_phone(location.phone, location_id=location_id)] if location.phone else [],
        "location": {
            "id": location_id,
            "location_type": "physical",
            "name": location.name,
            "description": None,
            "addresses": [_address(location)],
            "phones": [_phone(location.phone, location_id=location_id)] if location.phone else [],
            "schedules": schedules,
        },
    }


def _topic_attribute(service_id: str, topic: Topic) -> dict[str, Any]:
    term_id = _id("topic", topic.slug)
    return {
        "id": _id("attribute", service_id, "topic"),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "value": topic.slug,
        "taxonomy_term": {
            "id": term_id,
            "code": topic.slug,
            "name": topic.name_en,
            "description": f"{settings.CITY_NAME} topic: {topic.name_en}",
            "taxonomy": "civicloop-topics",
        },
    }


def hsds_service(entry: DirectoryEntry, language: str) -> dict[str, Any]:
    """One entry as an HSDS 3.0 service, with its organization (the department) embedded."""
    text = selectors.entry_text(entry, language)
    service_id = str(entry.hsds_id)
    organization_id = _id("organization", entry.department)
    documents = [line.strip("-• ").strip() for line in text.documents_needed.splitlines() if line.strip()]
    return {
        "id": service_id,
        "organization_id": organization_id,
        "name": text.name,
        "description": text.summary,
        "url": entry.online_url or f"{settings.SITE_URL}{entry.get_absolute_url()}",
        "status": "active",
        "application_process": text.how_to_get,
        "eligibility_description": text.who_for,
        "fees_description": text.cost,
        "alert": None,
        "last_modified": entry.updated_at.isoformat(),
        # HSDS's assured_date is when it was last checked; review_by is when the next check is due.
        "assured_date": None,
        "organization": {
            "id": organization_id,
            "name": entry.department,
            "description": f"{settings.CITY_NAME}: {entry.department}",
        },
        "phones": [_phone(entry.phone, service_id=service_id)] if entry.phone else [],
        "languages": [
            {
                "id": _id("language", service_id, name.code),
                "service_id": service_id,
                "name": name.name,
                "code": name.code,
            }
            for name in selectors.language_names(entry.languages_offered)
        ],
        "required_documents": [
            {"id": _id("document", service_id, number), "service_id": service_id, "document": document}
            for number, document in enumerate(documents)
        ],
        # The city's topic, as a term of the city's own taxonomy.
        "attributes": [_topic_attribute(service_id, entry.topic)] if entry.topic else [],
        "service_at_locations": [_service_at_location(entry, location) for location in entry.locations.all()],
        "metadata": [],
    }


def _language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "en")
    return language if language in LANGUAGES else "en"


def _positive(request: HttpRequest, name: str, default: int) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return default
    if not (value.isascii() and value.isdigit() and len(value) < 8) or int(value) == 0:
        return None
    return int(value)


@require_safe
def hsds_services(request: HttpRequest) -> JsonResponse:
    """`/api/hsds/services?page=&per_page=&lang=`: a page of services, as HSDS pages them."""
    page = _positive(request, "page", 1)
    per_page = _positive(request, "per_page", PER_PAGE)
    if page is None or per_page is None:
        return _error(400, "page and per_page are whole numbers from 1.")
    per_page = min(per_page, PER_PAGE_MAX)
    entries = selectors.hsds_entry_list()
    total = entries.count()
    total_pages = max(1, math.ceil(total / per_page))
    language = _language(request)
    contents = [hsds_service(entry, language) for entry in entries[(page - 1) * per_page : page * per_page]]
    return JsonResponse(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": page,
            "size": per_page,
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


@require_safe
def hsds_service_detail(request: HttpRequest, hsds_id: str) -> JsonResponse:
    """`/api/hsds/services/<id>`: one service; an unknown or malformed id is a JSON 404."""
    try:
        entry = selectors.hsds_entry_get(hsds_id=str(uuid.UUID(hsds_id)))
    except (ValueError, NotFound):
        return _error(404, "No service with this id.")
    return JsonResponse(hsds_service(entry, _language(request)))
