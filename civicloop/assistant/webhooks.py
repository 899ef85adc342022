"""Twilio's inbound messaging webhook: a resident's text (SMS or WhatsApp) in, the reply out as TwiML."""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from civicloop.assistant.models import Conversation
from civicloop.assistant.services.inbound import InboundInvalid, inbound_sms_handle
from civicloop.integrations.sms import WHATSAPP_PREFIX
from civicloop.integrations.sms.twilio import twilio_signature_valid

logger = logging.getLogger(__name__)


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def _media(params: dict[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(params.get("NumMedia", "0") or 0), 10)
    except ValueError:
        count = 0
    return [
        {"url": params.get(f"MediaUrl{n}", ""), "content_type": params.get(f"MediaContentType{n}", "")}
        for n in range(count)
        if params.get(f"MediaUrl{n}")
    ]


@csrf_exempt  # Twilio cannot send a CSRF token; its signature authenticates the request instead
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """POST /sms/twilio/inbound: 403 unless signed (nothing stored); otherwise TwiML with the reply."""
    if not twilio_signature_valid(request):
        logger.warning("twilio inbound message with a missing or invalid signature")
        return HttpResponseForbidden()
    params = request.POST.dict()
    sender = params.get("From", "")
    # WhatsApp comes on the same webhook, its sender written "whatsapp:+1…".
    channel = (
        Conversation.Channel.WHATSAPP if sender.startswith(WHATSAPP_PREFIX) else Conversation.Channel.SMS
    )
    try:
        reply = inbound_sms_handle(
            message_sid=params.get("MessageSid") or params.get("SmsSid", ""),
            from_number=sender.removeprefix(WHATSAPP_PREFIX),
            channel=channel,
            body=params.get("Body", ""),
            media=_media(params),
        )
    except InboundInvalid as error:
        logger.warning("twilio inbound message refused: %s", error.message)  # never the number
        return _twiml("")
    return _twiml(reply.text)
