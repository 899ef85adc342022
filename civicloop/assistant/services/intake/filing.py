"""Filing a report by text: through the same service as the web form and Open311, with the conversation's
channel; the requester follows their request, so its status updates come back by text."""

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from civicloop.assistant.models import PHONE_CHANNELS, Conversation
from civicloop.assistant.services.intake.location import _web_form_link
from civicloop.assistant.services.intake.progress import IntakeReply, _save
from civicloop.assistant.services.intake.service_choice import _service_name
from civicloop.core.errors import DomainError, NotFound
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.subscriptions.models import ConsentRecord
from civicloop.subscriptions.services import consent_by_number_record

# The requester follows on the channel they wrote from (WhatsApp's consent is not the number's SMS one).
REQUEST_CHANNEL: dict[str, str] = {
    Conversation.Channel.SMS: ServiceRequest.Channel.SMS,
    Conversation.Channel.WHATSAPP: ServiceRequest.Channel.WHATSAPP,
}


def _file(conversation: Conversation, intake: dict[str, Any]) -> IntakeReply:
    place = intake["place"]
    data = RequestInput(
        service_code=intake["service"],
        latitude=str(place["latitude"]),
        longitude=str(place["longitude"]),
        address=place["label"],
        attributes=intake.get("answers", {}),
        description=intake.get("description", ""),
        phone=conversation.phone,
        language=translation.get_language() or "en",
        channel=REQUEST_CHANNEL.get(conversation.channel, ServiceRequest.Channel.WEB),
    )
    try:
        request = service_request_create(data=data)
    except (DomainError, NotFound):
        # The city's definitions changed under the conversation, or the place left the city's map.
        _save(conversation, "", None)
        return IntakeReply(
            _("Sorry, we could not file that by text. Please use %(link)s or call 311.")
            % {"link": _web_form_link(intake["service"])},
            "intake_failed",
        )
    photo = intake.get("photo")
    if photo:
        from civicloop.assistant.tasks import request_photo_attach

        # After commit: a worker must find the request it is given.
        transaction.on_commit(
            partial(request_photo_attach.enqueue, request_id=request.pk, media_url=photo["url"])
        )
    _save(conversation, "", None)
    tracking = settings.SITE_URL + request.get_absolute_url()
    if conversation.channel == Conversation.Channel.SMS:
        text = _(
            "Thank you. Your 311 request number is %(number)s (%(service)s at %(place)s). We will text you "
            "when its status changes; text STATUS %(number)s any time. %(link)s"
        )
    elif conversation.channel == Conversation.Channel.WHATSAPP:
        text = _(
            "Thank you. Your 311 request number is %(number)s (%(service)s at %(place)s). We will write to "
            "you here when its status changes; send STATUS %(number)s any time. %(link)s"
        )
    else:
        text = _(
            "Thank you. Your 311 request number is %(number)s (%(service)s at %(place)s). "
            "Follow it at %(link)s"
        )
    reply = text % {
        "number": request.public_id,
        "service": _service_name(request.service),
        "place": place["label"],
        "link": tracking,
    }
    if conversation.channel in PHONE_CHANNELS:  # they asked for its updates here: the words are the evidence
        consent_by_number_record(
            kind=conversation.channel,
            value=conversation.phone,
            action=ConsentRecord.Action.SUBSCRIBE,
            source=f"{conversation.channel}-311",
            text=reply,
            language=translation.get_language() or "en",
        )
    return IntakeReply(reply, "intake_filed")
