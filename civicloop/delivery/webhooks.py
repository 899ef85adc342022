"""Provider callbacks for the delivery engine: Twilio message status callbacks."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from civicloop.delivery.receipts import delivery_receipt_record

logger = logging.getLogger(__name__)


def twilio_signature_valid(request: HttpRequest) -> bool:
    """True when X-Twilio-Signature signs the public URL Twilio called and the POST params.

    The URL is rebuilt from settings.SITE_URL (not the Host header, which a proxy may rewrite).
    No auth token configured means nothing is valid.
    """
    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return bool(RequestValidator(token).validate(url, request.POST, signature))


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
