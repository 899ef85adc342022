"""Close the loop: every public change to a request is told to its confirmed followers.

One delivery-engine Message per change (its context has no personal data), one Delivery per
follower and channel, all written set-based in the caller's transaction and sent after commit.
"""

from django.urls import reverse
from django.utils import translation

from civicloop.core.text import contact_details_mask
from civicloop.delivery.models import Delivery
from civicloop.delivery.services import notification_send, notifications_queue
from civicloop.servicerequests.models import Follower, ServiceRequest, StatusChange
from civicloop.servicerequests.tokens import absolute, follow_confirm_url, reopen_url
from civicloop.subscriptions.models import ContactPoint

STATUS_TEMPLATE = "request_status"
FOLLOW_CONFIRM_TEMPLATE = "request_follow_confirm"


def _status_label(detailed_status: str) -> str:
    # The English label is the msgid: templates translate it into each follower's language.
    with translation.override("en"):
        return str(ServiceRequest.Detailed(detailed_status).label)


def _status_context(request: ServiceRequest, change: StatusChange) -> dict[str, object]:
    tracking = absolute(reverse("requests:detail", args=[request.public_id]))
    context: dict[str, object] = {
        "request_id": request.pk,
        "public_id": request.public_id,
        "service_name": request.service.name,
        "service_name_es": request.service.name_es,
        "detailed_status": change.detailed_status,
        "status_label": _status_label(change.detailed_status),
        "note": contact_details_mask(change.note),
        "tracking_url": tracking,
        "link": tracking,
    }
    if change.detailed_status == ServiceRequest.Detailed.COMPLETED:
        reopen = reopen_url(public_id=request.public_id, request_id=request.pk, change_id=change.pk)
        context["reopen_url"] = reopen
        context["link"] = reopen  # a text has room for one link: the one that lets them say "not fixed"
    return context


def status_changes_notify(changes: list[StatusChange]) -> int:
    """Queue an update about each public change for every confirmed follower; returns deliveries queued."""
    public = [change for change in changes if change.public]
    if not public:
        return 0
    requests = {
        request.pk: request
        for request in ServiceRequest.objects.select_related("service")
        .only("public_id", "service__name", "service__name_es")
        .filter(pk__in={change.request_id for change in public})
    }
    followers = list(
        Follower.objects.filter(request_id__in=requests, confirmed_at__isnull=False).values_list(
            "request_id", "contact_point_id", "contact_point__kind", "contact_point__subscriber__language"
        )
    )
    if not followers:
        return 0
    contexts = [
        (change.request_id, _status_context(requests[change.request_id], change)) for change in public
    ]
    return notifications_queue(template=STATUS_TEMPLATE, contexts=contexts, recipients=followers)


def follow_confirmation_send(follower: Follower) -> Delivery:
    """Ask someone who followed a request from its page to confirm (nobody can sign up someone else)."""
    request = follower.request
    context: dict[str, object] = {
        "public_id": request.public_id,
        "service_name": request.service.name,
        "service_name_es": request.service.name_es,
        "link": follow_confirm_url(follower.pk),
    }
    point: ContactPoint = follower.contact_point
    return notification_send(contact_point=point, template=FOLLOW_CONFIRM_TEMPLATE, context=context)
