"""Provider callbacks for the delivery engine: Twilio message status callbacks."""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civicloop.delivery.receipts import delivery_receipt_record
from civicloop.integrations.sms.twilio import twilio_signature_valid

logger = logging.getLogger(__name__)


@csrf_exempt  # Twilio cannot send a CSRF token; the signature authenticates the request instead
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """POST /sms/twilio/status: 403 unless signed; 204 otherwise, also for unknown messages.

    Unknown extra fields are ignored; a repeated callback is harmless (the service is idempotent).
    """
    if not twilio_signature_valid(request):
        logger.warning("twilio status callback with a missing or invalid signature")
        return HttpResponseForbidden()
    message_sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus", "")
    if message_sid and status:
        delivery_receipt_record(
            provider_message_id=message_sid,
            provider_status=status,
            error_code=request.POST.get("ErrorCode", ""),
        )
    return HttpResponse(status=204)
