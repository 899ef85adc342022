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
from django.views.decorators.http import require_GET, require_http_methods

from civicloop.core.errors import NotFound
from civicloop.core.throttling import client_rate_limit_exceeded
from civicloop.servicerequests import web_selectors
from civicloop.servicerequests.forms import ServiceRequestForm
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import RequestInput, ServiceRequestInvalid, service_request_create

REQUEST_POST_LIMIT = 10
REQUEST_POST_WINDOW_SECONDS = 10 * 60
QUERY_MAX_LENGTH = 100
PAGE_SIZE = 20


def _language() -> str:
    return "es" if (translation.get_language() or "").startswith("es") else "en"


@require_GET
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


@require_GET
def request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        service_request = web_selectors.service_request_for_tracking(public_id)
    except NotFound as error:
        raise Http404(error.message) from error
    context = {
        "service_request": service_request,
        "description": web_selectors.contacts_mask(service_request.description),
        "status_notes": web_selectors.contacts_mask(service_request.status_notes),
        "timeline": [
            (change, web_selectors.contacts_mask(change.note)) for change in service_request.changes.all()
        ],
        "language": _language(),
    }
    return render(request, "servicerequests/request_detail.html", context)


@require_GET
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
