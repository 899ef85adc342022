"""Supporting and following an idea, and the "stop updates" link sent with each update."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.throttling import client_network_key
from civicloop.engage import services
from civicloop.engage.services import EngageRefused, PostingLimitReached
from civicloop.engage.tokens import EngageLinkInvalid
from civicloop.engage.views._common import (
    TOO_FAST,
    _address_limited,
    _readable_idea,
    _refused,
    _safe_next,
    _sign_in_redirect,
)

# Per network address: generous, since a library or a school shares one address.
SUPPORTS_PER_ADDRESS = 120


@require_POST
def idea_support(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return _sign_in_redirect(request)
    back = (
        _safe_next(request, request.POST.get("next", ""))
        if request.POST.get("next")
        else idea.get_absolute_url()
    )
    if _address_limited(request, "engage-support", SUPPORTS_PER_ADDRESS):
        return _refused(request, str(TOO_FAST), viewer=viewer)
    try:
        services.idea_support(idea=idea, viewer=viewer, network_key=client_network_key(request))
    except EngageRefused as error:
        return _refused(request, error.message, viewer=viewer)
    except PostingLimitReached as error:
        return _refused(request, error.message, viewer=viewer)
    return HttpResponseRedirect(back)


@require_POST
def idea_follow(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea, viewer, refusal = _readable_idea(request, idea_id)
    if refusal:
        return refusal
    if not viewer.can_take_part:
        return _sign_in_redirect(request)
    try:
        services.idea_follow(idea=idea, viewer=viewer, follow=request.POST.get("follow") != "stop")
    except EngageRefused as error:
        return _refused(request, error.message, viewer=viewer)
    return HttpResponseRedirect(f"{idea.get_absolute_url()}#follow")


@csrf_exempt  # RFC 8058: mail providers POST without cookies or a CSRF token; the signed token authorises.
@never_cache
@require_http_methods(["GET", "POST"])
def follow_stop(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "engage/follow_stop.html", {"stopped": False})
    try:
        idea = services.idea_follow_stop(token=token)
    except EngageLinkInvalid as error:
        return render(request, "engage/link_problem.html", {"problem": error.message}, status=400)
    return render(request, "engage/follow_stop.html", {"stopped": True, "idea": idea})
