"""Who hears about a request's changes: the requester, residents who follow it (confirmed by a link),
and a duplicate's followers moved to the request it duplicates."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.servicerequests.models import Follower, ServiceRequest
from civicloop.servicerequests.notifications import follow_confirmation_send
from civicloop.servicerequests.services.errors import ServiceRequestInvalid
from civicloop.servicerequests.services.request_input import RequestInput, _contact
from civicloop.servicerequests.tokens import RequestLinkInvalid, follow_confirm_read, stop_read
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.services import contact_point_ensure, contact_point_heard_from


@dataclass(frozen=True)
class FollowOutcome:
    follower: Follower
    confirmation_sent: bool


def _requester_follow(request: ServiceRequest, *, email: str, phone: str, moment: datetime) -> None:
    """The requester hears about every change on each channel they gave (no confirmation: they filed it).

    A request filed on WhatsApp is followed there, not by SMS: the number agreed to WhatsApp only.
    """
    on_whatsapp = request.channel == ServiceRequest.Channel.WHATSAPP
    phone_kind = ContactPoint.Kind.WHATSAPP if on_whatsapp else ContactPoint.Kind.SMS
    for kind, value in ((ContactPoint.Kind.EMAIL, email), (phone_kind, phone)):
        if value:
            point = contact_point_ensure(kind=kind, value=value, language=request.language)
            Follower.objects.create(
                request=request,
                contact_point=point,
                is_requester=True,
                confirmed_at=moment,
                created_at=moment,
            )
    if on_whatsapp and phone:  # they are writing from it right now
        contact_point_heard_from(kind=phone_kind, value=phone, moment=moment)


def followers_merge(*, source: ServiceRequest, target: ServiceRequest, now: datetime | None = None) -> int:
    """Everyone confirmed as following `source` now follows `target` too (one INSERT, no duplicates)."""
    moment = now or timezone.now()
    already = Follower.objects.filter(request=target).values("contact_point_id")
    moved = [
        Follower(request=target, contact_point_id=point_id, confirmed_at=moment, created_at=moment)
        for point_id in Follower.objects.filter(request=source, confirmed_at__isnull=False)
        .exclude(contact_point_id__in=already)
        .values_list("contact_point_id", flat=True)
    ]
    Follower.objects.bulk_create(moved, ignore_conflicts=True)
    return len(moved)


def service_request_follow(
    *, request: ServiceRequest, email: str = "", phone: str = "", language: str = "en"
) -> list[FollowOutcome]:
    """Follow a public request by email and/or text; each new address gets a confirmation link first."""
    email, phone = _contact(RequestInput(service_code="", email=email, phone=phone))
    if not email and not phone:
        raise ServiceRequestInvalid(_("Give an email address or a mobile number."), field="email")
    outcomes = []
    for kind, value in ((ContactPoint.Kind.EMAIL, email), (ContactPoint.Kind.SMS, phone)):
        if not value:
            continue
        with transaction.atomic():
            point = contact_point_ensure(kind=kind, value=value, language=language)
            follower, _created = Follower.objects.get_or_create(
                request=request, contact_point=point, defaults={"created_at": timezone.now()}
            )
            # Already confirmed: nothing to send. Unconfirmed: send the link again (it may have been lost).
            send = follower.confirmed_at is None
            if send:
                follower.request = request
                transaction.on_commit(partial(follow_confirmation_send, follower))
        outcomes.append(FollowOutcome(follower=follower, confirmation_sent=send))
    return outcomes


def service_request_follow_by_number(
    *, request: ServiceRequest, kind: str, phone: str, language: str = "en", now: datetime | None = None
) -> Follower:
    """The resident who asked for it on that number (staff link their conversation to the request) follows
    it there at once: `kind` is "sms" or "whatsapp", the channel they wrote from, so no confirmation link
    is sent (they are the one writing). Following again changes nothing."""
    if kind not in (ContactPoint.Kind.SMS, ContactPoint.Kind.WHATSAPP):
        raise ServiceRequestInvalid(_("Only a text or WhatsApp number can follow a request."), field="phone")
    moment = now or timezone.now()
    with transaction.atomic():
        point = contact_point_ensure(kind=kind, value=phone, language=language)
        follower, created = Follower.objects.get_or_create(
            request=request, contact_point=point, defaults={"created_at": moment, "confirmed_at": moment}
        )
        if not created and follower.confirmed_at is None:
            Follower.objects.filter(pk=follower.pk).update(confirmed_at=moment)
            follower.confirmed_at = moment
    return follower


def follower_confirm(*, token: str, now: datetime | None = None) -> Follower:
    """The follow link was used: from now on this follower hears about every change."""
    follower = Follower.objects.select_related("request").filter(pk=follow_confirm_read(token)).first()
    if follower is None:
        raise RequestLinkInvalid(_("This link is not valid."))
    Follower.objects.filter(pk=follower.pk, confirmed_at__isnull=True).update(
        confirmed_at=now or timezone.now()
    )
    follower.refresh_from_db()
    return follower


def follower_stop(*, token: str) -> ServiceRequest:
    """Stop one person's updates about one request (the link in each update, and one-click unsubscribe)."""
    payload = stop_read(token)
    request = ServiceRequest.objects.filter(pk=payload.request_id).only("public_id").first()
    if request is None:
        raise RequestLinkInvalid(_("This link is not valid."))
    Follower.objects.filter(request_id=payload.request_id, contact_point_id=payload.contact_point_id).delete()
    return request
