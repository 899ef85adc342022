"""Close the loop: every public change to a request is told to its confirmed followers.

One delivery-engine Message per change (its context has no personal data), one Delivery per
follower and channel, all written set-based in the caller's transaction and sent after commit.
"""

from collections import Counter
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from civicloop.core.text import contact_details_mask
from civicloop.delivery.models import Delivery, Message
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


def _send_after_commit(channels: set[str]) -> None:
    from civicloop.delivery.tasks import send_deliveries  # local: tasks import the whole engine

    for channel in sorted(channels):
        transaction.on_commit(partial(send_deliveries.enqueue, channel))


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
    followers_of = Counter(request_id for request_id, *_rest in followers)
    moment = timezone.now()
    messages = Message.objects.bulk_create(
        [
            Message(
                kind=Message.Kind.NOTIFICATION,
                status=Message.Status.SENDING,
                template=STATUS_TEMPLATE,
                context=_status_context(requests[change.request_id], change),
                fanned_out_at=moment,
                recipients=followers_of[change.request_id],
            )
            for change in public
            if change.request_id in followers_of
        ]
    )
    message_for_request: dict[int, list[Message]] = {}
    for message in messages:
        message_for_request.setdefault(int(message.context["request_id"]), []).append(message)
    deliveries = [
        Delivery(message=message, contact_point_id=point_id, channel=kind, language=language)
        for request_id, point_id, kind, language in followers
        for message in message_for_request[request_id]
    ]
    Delivery.objects.bulk_create(deliveries)
    _send_after_commit({delivery.channel for delivery in deliveries})
    return len(deliveries)


def follow_confirmation_send(follower: Follower) -> Delivery:
    """Ask someone who followed a request from its page to confirm (nobody can sign up someone else)."""
    from civicloop.delivery.services import notification_send

    request = follower.request
    context: dict[str, object] = {
        "public_id": request.public_id,
        "service_name": request.service.name,
        "service_name_es": request.service.name_es,
        "link": follow_confirm_url(follower.pk),
    }
    point: ContactPoint = follower.contact_point
    return notification_send(contact_point=point, template=FOLLOW_CONFIRM_TEMPLATE, context=context)
