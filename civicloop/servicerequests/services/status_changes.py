"""The workflow: status changes (one or many at once), assignment to staff, and a resident's reopening."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.servicerequests.models import REOPENED_PREFIX, ServiceRequest, StatusChange
from civicloop.servicerequests.notifications import status_changes_notify
from civicloop.servicerequests.services.errors import ServiceRequestInvalid
from civicloop.servicerequests.services.followers import followers_merge
from civicloop.servicerequests.services.public_lists import requests_version_bump
from civicloop.servicerequests.tokens import RequestLinkInvalid, reopen_read

CLOSING = {
    ServiceRequest.Detailed.COMPLETED,
    ServiceRequest.Detailed.CANNOT_COMPLETE,
    ServiceRequest.Detailed.DUPLICATE,
}


@transaction.atomic
def service_request_status_change(
    *,
    request: ServiceRequest,
    detailed_status: str,
    note: str = "",
    actor: Any = None,
    parent: ServiceRequest | None = None,
    now: datetime | None = None,
) -> StatusChange:
    """Move a request to a new detailed status with a note; the timeline keeps every change.

    Its followers are told (after commit). A duplicate's followers also follow the request it duplicates.
    """
    if detailed_status not in ServiceRequest.Detailed.values:
        raise ServiceRequestInvalid(f"Unknown status {detailed_status!r}.", field="detailed_status")
    if detailed_status == ServiceRequest.Detailed.DUPLICATE and (parent is None or parent.pk == request.pk):
        raise ServiceRequestInvalid("A duplicate needs the request it duplicates.", field="parent")
    moment = now or timezone.now()
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    closing = detailed_status in CLOSING
    request.detailed_status = detailed_status
    request.status = ServiceRequest.Status.CLOSED if closing else ServiceRequest.Status.OPEN
    request.closed_at = moment if closing else None
    request.status_notes = note.strip()[:500]
    request.updated_at = moment
    request.parent = parent if detailed_status == ServiceRequest.Detailed.DUPLICATE else request.parent
    request.save(
        update_fields=["detailed_status", "status", "closed_at", "status_notes", "updated_at", "parent"]
    )
    change = StatusChange.objects.create(
        request=request,
        status=request.status,
        detailed_status=detailed_status,
        note=note.strip()[:1000],
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=moment,
    )
    requests_version_bump()
    status_changes_notify([change])
    if detailed_status == ServiceRequest.Detailed.DUPLICATE and parent is not None:
        followers_merge(source=request, target=parent, now=moment)
    return change


@transaction.atomic
def service_requests_close(
    *,
    request_ids: list[int],
    detailed_status: str = ServiceRequest.Detailed.COMPLETED,
    note: str = "",
    actor: Any = None,
    now: datetime | None = None,
) -> int:
    """Close many open requests at once (bulk close), each with the same note; returns how many closed."""
    if detailed_status not in CLOSING or detailed_status == ServiceRequest.Detailed.DUPLICATE:
        raise ServiceRequestInvalid("Bulk close needs completed or cannot complete.", field="detailed_status")
    moment = now or timezone.now()
    open_ids = list(
        ServiceRequest.objects.select_for_update()
        .filter(pk__in=request_ids, status=ServiceRequest.Status.OPEN)
        .values_list("pk", flat=True)
    )
    ServiceRequest.objects.filter(pk__in=open_ids).update(
        status=ServiceRequest.Status.CLOSED,
        detailed_status=detailed_status,
        closed_at=moment,
        status_notes=note.strip()[:500],
        updated_at=moment,
    )
    changes = StatusChange.objects.bulk_create(
        [
            StatusChange(
                request_id=request_id,
                status=ServiceRequest.Status.CLOSED,
                detailed_status=detailed_status,
                note=note.strip()[:1000],
                actor=actor if getattr(actor, "pk", None) else None,
                created_at=moment,
            )
            for request_id in open_ids
        ]
    )
    requests_version_bump()
    status_changes_notify(changes)
    return len(open_ids)


@transaction.atomic
def service_request_assign(
    *, request: ServiceRequest, assignee: Any, actor: Any = None, now: datetime | None = None
) -> StatusChange:
    """Give a request to a member of staff (or None to unassign); kept in the staff-only audit trail."""
    moment = now or timezone.now()
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    request.assigned_to = assignee
    request.updated_at = moment
    request.save(update_fields=["assigned_to", "updated_at"])
    name = assignee.get_username() if assignee is not None else ""
    return StatusChange.objects.create(
        request=request,
        status=request.status,
        detailed_status=request.detailed_status,
        note=f"Assigned to {name}" if name else "Unassigned",
        public=False,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=moment,
    )


def reopen_check(*, public_id: str, token: str) -> ServiceRequest:
    """The request a "not fixed?" link may reopen, or RequestLinkInvalid once it no longer applies."""
    request_id, change_id = reopen_read(token)
    request = ServiceRequest.objects.filter(pk=request_id, public_id=public_id).first()
    if request is None:
        raise RequestLinkInvalid(_("This link is not valid."))
    latest = StatusChange.objects.filter(request_id=request_id, public=True).order_by("-created_at", "-id")
    if latest.values_list("pk", flat=True).first() != change_id:
        raise RequestLinkInvalid(
            _("This request has changed since that message: the link no longer applies.")
        )
    return request


REOPEN_NOTE_MAX = 1000


@transaction.atomic
def service_request_reopen(
    *, public_id: str, token: str, note: str, now: datetime | None = None
) -> StatusChange:
    """ "Not fixed?": the resident reopens a completed request with what is still wrong."""
    request = reopen_check(public_id=public_id, token=token)
    if not note.strip():
        raise ServiceRequestInvalid(_("Tell us what is still wrong."), field="note")
    if len(note) > REOPEN_NOTE_MAX:
        raise ServiceRequestInvalid(_("Keep it under 1,000 characters."), field="note")
    return service_request_status_change(
        request=request,
        detailed_status=ServiceRequest.Detailed.SUBMITTED,
        note=f"{REOPENED_PREFIX}{note.strip()}",
        now=now,
    )
