"""Meta's and X's webhooks: residents' comments, messages, replies and mentions into the staff inbox.

Nothing unsigned is taken in: a missing or wrong signature (or an unset secret) answers 403 and stores
nothing; a body too large, not JSON or not shaped like the network's answers 400 and stores nothing;
events for another Page or account answer 200 and are ignored (the network would retry anything else).
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civicloop.assistant.services.meta_inbox import meta_events_store
from civicloop.assistant.services.social_inbox import social_mentions_store
from civicloop.integrations.social import meta_events, x_events

logger = logging.getLogger(__name__)


def _raw_body(request: HttpRequest, limit: int) -> bytes | None:
    """The request's bytes as sent, or None when they are (or say they are) over `limit`."""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return None
    except ValueError:
        return None
    body = request.body
    return body if len(body) <= limit else None


@csrf_exempt  # Meta cannot send a CSRF token; its signature authenticates the request instead
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    """GET /webhooks/meta: the subscription check; POST: signed events (see the module docstring)."""
    if request.method == "GET":
        challenge = meta_events.meta_subscription_challenge(
            request.GET.dict(), verify_token=settings.META_VERIFY_TOKEN
        )
        if challenge is None:
            return HttpResponseForbidden()
        return HttpResponse(challenge, content_type="text/plain; charset=utf-8")
    body = _raw_body(request, meta_events.MAX_BODY_BYTES)
    if body is None:
        return HttpResponseBadRequest("too large")
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not meta_events.meta_signature_valid(body, signature, app_secret=settings.META_APP_SECRET):
        logger.warning("meta webhook with a missing or invalid signature")
        return HttpResponseForbidden()
    try:
        found = meta_events.meta_events_parse(
            body, page_id=settings.FACEBOOK_PAGE_ID, instagram_account_id=settings.INSTAGRAM_ACCOUNT_ID
        )
    except meta_events.MetaEventsInvalid as error:
        logger.warning("meta webhook body refused: %s", error)
        return HttpResponseBadRequest("not a Meta webhook body")
    meta_events_store(found.events)
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt  # X cannot send a CSRF token; its signature authenticates the request instead
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    """GET /webhooks/x?crc_token=…: the CRC answer; POST: signed Account Activity events."""
    secret = settings.X_CONSUMER_SECRET
    if not secret:
        return HttpResponseForbidden()
    if request.method == "GET":
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            return HttpResponseBadRequest("crc_token missing")
        return JsonResponse(
            {"response_token": x_events.x_crc_response_token(crc_token, consumer_secret=secret)}
        )
    body = _raw_body(request, x_events.MAX_BODY_BYTES)
    if body is None:
        return HttpResponseBadRequest("too large")
    signature = request.headers.get("x-twitter-webhooks-signature", "")
    if not x_events.x_signature_valid(body, signature, consumer_secret=secret):
        logger.warning("x webhook with a missing or invalid signature")
        return HttpResponseForbidden()
    try:
        found = x_events.x_events_parse(body, user_id=settings.X_USER_ID)
    except x_events.XEventsInvalid as error:
        logger.warning("x webhook body refused: %s", error)
        return HttpResponseBadRequest("not an Account Activity body")
    social_mentions_store(x_events.NETWORK, found.mentions)
    return HttpResponse("ok", content_type="text/plain")
