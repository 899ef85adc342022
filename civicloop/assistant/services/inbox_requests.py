"""From conversation to action: a member of staff files a 311 request from a resident's message in the
inbox, with what the thread already says (the text, the place, a photo sent by WhatsApp or MMS).

The request is filed on the channel the resident wrote from, so they hear of its status there: a WhatsApp
conversation's request is followed on WhatsApp, a text conversation's by SMS (servicerequests' requester
follow). A social network's or a web chat's request has no number to follow it by; staff tell them.
"""

from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.assistant.models import PHONE_CHANNELS, AssistantMessage, Conversation, InboxServiceRequest
from civicloop.core.errors import DomainError, NotFound
from civicloop.places.geocoding import place_locate
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_create,
    service_request_follow_by_number,
)
from civicloop.subscriptions.services import contact_point_last_heard_set

# The request's channel for each conversation's: the requester follows it there.
REQUEST_CHANNELS: dict[str, str] = {
    Conversation.Channel.SMS: ServiceRequest.Channel.SMS,
    Conversation.Channel.WHATSAPP: ServiceRequest.Channel.WHATSAPP,
    Conversation.Channel.WEB: ServiceRequest.Channel.WEB,
}


class InboxRequestInvalid(DomainError):
    """The request cannot be filed as given; nothing was stored. `field` names the form's part."""


@dataclass(frozen=True)
class RequestDraft:
    """What the staff form starts from: the resident's latest words, a place they named, their photo."""

    description: str
    address: str
    photo_url: str
    followed_on: str  # the conversation's channel when the resident will hear of it there, else ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _latest_inbound(conversation: Conversation) -> AssistantMessage | None:
    return (
        AssistantMessage.objects.filter(conversation=conversation, direction=AssistantMessage.Direction.IN)
        .order_by("-created_at", "-id")
        .first()
    )


def _photo_url(message: AssistantMessage | None) -> str:
    for item in (message.media if message else None) or []:
        if isinstance(item, dict) and str(item.get("content_type", "")).startswith("image/"):
            return str(item.get("url", ""))
    return ""


def inbox_request_draft(*, conversation: Conversation) -> RequestDraft:
    latest = _latest_inbound(conversation)
    text = latest.body if latest else ""
    place = place_locate(text) if text else None
    return RequestDraft(
        description=text[:4000],
        address=place.label if place else "",
        photo_url=_photo_url(latest),
        followed_on=conversation.channel if conversation.channel in PHONE_CHANNELS else "",
    )


def inbox_request_file(
    *,
    conversation_id: int,
    service_code: str,
    description: str,
    address: str,
    latitude: str = "",
    longitude: str = "",
    attributes: dict[str, list[str]] | None = None,
) -> ServiceRequest:
    """File a 311 request for the resident of this conversation; raises InboxRequestInvalid (nothing stored)
    when the place cannot be found in Chicago, and the service's own errors (ServiceRequestInvalid, NotFound)
    for answers that do not fit its definition. A photo the resident sent is attached after commit."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    if not (latitude and longitude):
        place = place_locate(address) if address.strip() else None
        if place is None:
            raise InboxRequestInvalid(
                _(
                    "We could not place that in Chicago. Give an address like 2100 W Cermak Rd or cross "
                    "streets like 35th and Halsted."
                ),
                field="address",
            )
        latitude, longitude, address = str(place.latitude), str(place.longitude), place.label
    on_phone = conversation.channel in PHONE_CHANNELS
    data = RequestInput(
        service_code=service_code,
        latitude=latitude,
        longitude=longitude,
        address=address,
        attributes=attributes or {},
        description=description,
        phone=conversation.phone if on_phone else "",
        language=conversation.language or "en",
        channel=REQUEST_CHANNELS.get(conversation.channel, ServiceRequest.Channel.SOCIAL),
    )
    latest = _latest_inbound(conversation)
    photo = _photo_url(latest)
    with transaction.atomic():
        request = service_request_create(data=data)
        _linked(conversation, request)
        _window_from(conversation, latest)
        if photo:
            from civicloop.assistant.tasks import request_photo_attach  # tasks import the services

            transaction.on_commit(
                partial(request_photo_attach.enqueue, request_id=request.pk, media_url=photo)
            )
    return request


def inbox_request_link(*, conversation_id: int, public_id: str) -> ServiceRequest:
    """The resident of this conversation follows an existing request (theirs was reported already) on the
    channel they wrote from; raises InboxRequestInvalid, nothing stored, for an unknown number or a
    conversation with no number to follow by."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    if conversation.channel not in PHONE_CHANNELS:
        raise InboxRequestInvalid(
            _("This resident has no number here to follow a request by: give them its number in your reply."),
            field="number",
        )
    request = ServiceRequest.objects.filter(public_id=public_id.strip()).first()
    if request is None:
        raise InboxRequestInvalid(_("There is no 311 request with that number."), field="number")
    with transaction.atomic():
        service_request_follow_by_number(
            request=request,
            kind=conversation.channel,
            phone=conversation.phone,
            language=conversation.language or "en",
        )
        _linked(conversation, request)
        _window_from(conversation, _latest_inbound(conversation))
    return request


def _linked(conversation: Conversation, request: ServiceRequest) -> None:
    # The conversation takes the request's community area, for the inbox's area filter; linked once.
    InboxServiceRequest.objects.get_or_create(
        conversation=conversation, request=request, defaults={"created_at": timezone.now()}
    )


def _window_from(conversation: Conversation, latest: AssistantMessage | None) -> None:
    # WhatsApp's 24-hour window runs from the resident's own last message, not from when staff acted.
    if conversation.channel == Conversation.Channel.WHATSAPP:
        contact_point_last_heard_set(
            kind=conversation.channel, value=conversation.phone, moment=latest.created_at if latest else None
        )
