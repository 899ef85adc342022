"""Resident pages for 311: find a service, file a request, track it, browse recent requests.

Thin views: parse, call one service or selector, render.
"""

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from civicloop.core.errors import NotFound
from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.servicerequests import web_selectors
from civicloop.servicerequests.forms import FollowForm, ReopenForm, ServiceRequestForm
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    ServiceRequestInvalid,
    follower_confirm,
    follower_stop,
    reopen_check,
    service_request_create,
    service_request_follow,
    service_request_reopen,
)
from civicloop.servicerequests.tokens import RequestLinkInvalid

REQUEST_POST_LIMIT = 10
FOLLOW_POST_LIMIT = 5
REQUEST_POST_WINDOW_SECONDS = 10 * 60
QUERY_MAX_LENGTH = 100
PAGE_SIZE = 20


def _language() -> str:
    return "es" if (translation.get_language() or "").startswith("es") else "en"


@require_safe
def service_choose(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    context: dict[str, Any] = {"query": query, "language": _language()}
    if query:
        context["results"] = web_selectors.service_search(query)
    else:
        context["common"] = web_selectors.service_common_list()
        context["services"] = web_selectors.service_list()
    return render(request, "servicerequests/service_choose.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, service_code: str) -> HttpResponse:
    language = _language()
    try:
        service = web_selectors.service_for_form(service_code)
    except NotFound as error:
        raise Http404(error.message) from error
    status = 200
    if request.method == "POST":
        form = ServiceRequestForm(request.POST, request.FILES, service=service, language=language)
        if client_rate_limit_exceeded(
            request,
            scope="service-request",
            limit=REQUEST_POST_LIMIT,
            window_seconds=REQUEST_POST_WINDOW_SECONDS,
        ):
            form.is_valid()  # keep what they typed on the page, but store nothing
            form.add_error(
                None, _("Too many requests from your connection. Please wait 10 minutes and try again.")
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                created = service_request_create(
                    data=RequestInput(
                        service_code=service.code,
                        latitude=form.coordinate(data["latitude"]),
                        longitude=form.coordinate(data["longitude"]),
                        address=data["address"],
                        attributes=form.attribute_values(),
                        description=data["description"],
                        email=data["email"],
                        phone=data["phone"],
                        language=language,
                        channel=ServiceRequest.Channel.WEB,
                    ),
                    photo=data["photo"],
                )
            except ServiceRequestInvalid as error:
                form.add_error(form.field_for_error(error.field), error.message)
            except NotFound as error:
                raise Http404(error.message) from error
            else:
                return HttpResponseRedirect(created.get_absolute_url())
    else:
        form = ServiceRequestForm(service=service, language=language)
    context = {"form": form, "service": service, "language": language}
    return render(request, "servicerequests/request_new.html", context, status=status)


def _tracking_page(
    request: HttpRequest, public_id: str, *, follow_form: FollowForm | None = None, status: int = 200
) -> HttpResponse:
    try:
        service_request = web_selectors.service_request_for_tracking(public_id)
    except NotFound as error:
        raise Http404(error.message) from error
    context = {
        "service_request": service_request,
        "description": web_selectors.contacts_mask(service_request.description),
        "status_notes": web_selectors.contacts_mask(service_request.status_notes),
        "timeline": [
            (change, web_selectors.timeline_note(change.note)) for change in service_request.changes.all()
        ],
        "follow_form": follow_form or FollowForm(),
        "follow_sent": request.GET.get("follow") == "sent",
        "language": _language(),
    }
    return render(request, "servicerequests/request_detail.html", context, status=status)


@require_safe
def request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _tracking_page(request, public_id)


@require_http_methods(["POST"])
def request_follow(request: HttpRequest, public_id: str) -> HttpResponse:
    form = FollowForm(request.POST)
    service_request = ServiceRequest.objects.filter(public_id=public_id).only("pk", "public_id").first()
    if service_request is None:
        raise Http404("No such request.")
    if client_rate_limit_exceeded(
        request, scope="request-follow", limit=FOLLOW_POST_LIMIT, window_seconds=REQUEST_POST_WINDOW_SECONDS
    ):
        form.is_valid()
        form.add_error(
            None, _("Too many requests from your connection. Please wait 10 minutes and try again.")
        )
        return _tracking_page(request, public_id, follow_form=form, status=429)
    if form.is_valid():
        try:
            service_request_follow(
                request=service_request,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                language=_language(),
            )
        except ServiceRequestInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return HttpResponseRedirect(f"{service_request.get_absolute_url()}?follow=sent#follow")
    return _tracking_page(request, public_id, follow_form=form, status=400)


def _link_problem(request: HttpRequest, error: RequestLinkInvalid) -> HttpResponse:
    context = {"problem": error.message, "language": _language()}
    return render(request, "servicerequests/link_problem.html", context, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open links, and must not confirm for the person.
    if request.method == "GET":
        return render(request, "servicerequests/follow_confirm.html", {"confirmed": False})
    try:
        follower = follower_confirm(token=token)
    except RequestLinkInvalid as error:
        return _link_problem(request, error)
    context = {"confirmed": True, "service_request": follower.request}
    return render(request, "servicerequests/follow_confirm.html", context)


@csrf_exempt  # RFC 8058: mail providers POST without cookies or a CSRF token; the signed token authorises.
@never_cache
@require_http_methods(["GET", "POST"])
def follow_stop(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "servicerequests/follow_stop.html", {"stopped": False})
    try:
        service_request = follower_stop(token=token)
    except RequestLinkInvalid as error:
        return _link_problem(request, error)
    return render(
        request, "servicerequests/follow_stop.html", {"stopped": True, "service_request": service_request}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def request_reopen(request: HttpRequest, public_id: str, token: str) -> HttpResponse:
    try:
        service_request = reopen_check(public_id=public_id, token=token)
    except RequestLinkInvalid as error:
        return _link_problem(request, error)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service_request_reopen(public_id=public_id, token=token, note=form.cleaned_data["note"])
        except RequestLinkInvalid as error:
            return _link_problem(request, error)
        except ServiceRequestInvalid as error:
            form.add_error("note", error.message)
        else:
            return HttpResponseRedirect(service_request.get_absolute_url())
    context = {"form": form, "service_request": service_request, "language": _language()}
    return render(request, "servicerequests/request_reopen.html", context, status=400 if form.errors else 200)


@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    filters = {
        name: request.GET.get(name, "").strip()[:QUERY_MAX_LENGTH] for name in ("service", "status", "area")
    }
    requests = web_selectors.service_request_list(**filters)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({name: value for name, value in filters.items() if value})
    context = {
        "page": page,
        "filters": filters,
        "query": query,
        "services": web_selectors.service_list().only("code", "name", "name_es", "department"),
        "areas": web_selectors.community_area_choices(),
        "statuses": ServiceRequest.Status.choices,
        "language": _language(),
    }
    return render(request, "servicerequests/request_list.html", context)
