"""Reads for the resident pages of 311: find a service, track a request, browse recent requests."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from civicloop.core.errors import NotFound
from civicloop.core.text import contact_details_mask
from civicloop.places.models import CommunityArea
from civicloop.servicerequests.models import (
    OPENED_NOTE,
    REOPENED_PREFIX,
    Service,
    ServiceAttribute,
    ServiceRequest,
    StatusChange,
)

SEARCH_MAX_WORDS = 6


# Never read for the public pages: who asked, and how to reach them.
PRIVATE_FIELDS = ("email", "phone", "first_name", "last_name", "device_id", "account_id", "token")


def contacts_mask(text: str) -> str:
    """The text with email addresses and phone numbers masked (one rule for every public view)."""
    return contact_details_mask(text)


def timeline_note(note: str) -> str:
    """A timeline note as a resident reads it: system notes translated, contact details masked."""
    if note == OPENED_NOTE:
        return gettext(OPENED_NOTE)
    if note.startswith(REOPENED_PREFIX):
        words = contacts_mask(note.removeprefix(REOPENED_PREFIX))
        return gettext("Reopened by the resident: %(words)s") % {"words": words}
    return contacts_mask(note)


def service_search(query: str) -> QuerySet[Service]:
    """Active services whose English or Spanish name or keywords contain every word of the query."""
    condition = Q()
    for word in query.split()[:SEARCH_MAX_WORDS]:
        condition &= Q(name__icontains=word) | Q(name_es__icontains=word) | Q(keywords__icontains=word)
    return Service.objects.filter(condition, active=True).order_by("department", "name")


def service_common_list() -> QuerySet[Service]:
    """The services with a definition: the ones residents ask for most."""
    with_definition = ServiceAttribute.objects.values("service_id")
    return Service.objects.filter(active=True, pk__in=with_definition).order_by("name")


def service_list() -> QuerySet[Service]:
    return Service.objects.filter(active=True).order_by("department", "name")


def service_for_form(code: str) -> Service:
    """An active service with its questions, or NotFound."""
    service = (
        Service.objects.filter(code=code, active=True)
        .prefetch_related(Prefetch("attributes", queryset=ServiceAttribute.objects.order_by("order", "id")))
        .first()
    )
    if service is None:
        raise NotFound(f"No service with code {code!r}.")
    return service


def _public_requests() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.defer(*PRIVATE_FIELDS).select_related("service", "community_area")


def service_request_for_tracking(public_id: str) -> ServiceRequest:
    """A request with its public timeline (never its requester's details), or NotFound."""
    request = (
        _public_requests()
        .prefetch_related(
            Prefetch(
                "changes", queryset=StatusChange.objects.filter(public=True).order_by("created_at", "id")
            )
        )
        .filter(public_id=public_id)
        .first()
    )
    if request is None:
        raise NotFound(f"No request {public_id!r}.")
    return request


def service_request_for_status_text(public_id: str) -> ServiceRequest:
    """A request's number, service, status and last change, for a one-line status (a text's STATUS), or
    NotFound: only those columns, neither its timeline nor its area's boundary."""
    request = (
        ServiceRequest.objects.select_related("service")
        .only("public_id", "status", "detailed_status", "updated_at", "service__name")
        .filter(public_id=public_id)
        .first()
    )
    if request is None:
        raise NotFound(f"No request {public_id!r}.")
    return request


def service_request_list(*, service: str = "", status: str = "", area: str = "") -> QuerySet[ServiceRequest]:
    """Recent requests, newest first; an unknown filter value matches nothing."""
    requests = _public_requests().order_by("-requested_at", "-id")
    if service:
        requests = requests.filter(service__code=service)
    if status:
        requests = requests.filter(status=status)
    if area:
        requests = requests.filter(community_area__slug=area)
    return requests


def community_area_choices() -> QuerySet[CommunityArea]:
    return CommunityArea.objects.order_by("name").only("slug", "name")
