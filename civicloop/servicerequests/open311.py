"""Open311 GeoReport v2 endpoints (thin: parse, call a selector or service, render).

Errors: 404 unknown resource (or a wrong jurisdiction_id), 403 missing/unknown/revoked api_key,
429 when an API client posts more than its requests_per_minute (outside the spec, which has no
rate-limit code; same body shape), 400 otherwise. An empty parameter counts as a missing one.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from civicloop.core.errors import DomainError, NotFound
from civicloop.core.null_bytes import form_holds_null, null_refused_message
from civicloop.core.throttling import rate_limit_exceeded
from civicloop.servicerequests import open311_cache, selectors
from civicloop.servicerequests import open311_render as render
from civicloop.servicerequests.models import ApiClient, ServiceRequest
from civicloop.servicerequests.services import (
    ApiKeyInvalid,
    RequestInput,
    ServiceRequestInvalid,
    api_client_for_key,
    service_request_create,
)

RANGE_MAX = timedelta(days=90)
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500
LIST_MAX = 100  # items in a comma list
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class RateLimited(DomainError):
    pass


View = Callable[..., HttpResponse]


def open311(view: View) -> View:
    """Checks jurisdiction_id and renders domain errors in the requested format."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            params = request.POST if request.method == "POST" else request.GET
            jurisdiction = _param(params, "jurisdiction_id")
            if jurisdiction and jurisdiction != getattr(
                settings, "OPEN311_JURISDICTION_ID", "cityofchicago.org"
            ):
                raise NotFound(f"Unknown jurisdiction_id {jurisdiction!r}.")
            return view(request, *args, fmt=fmt, **kwargs)
        except NotFound as error:
            return render.error_response(404, error.message, fmt)
        except ApiKeyInvalid as error:
            return render.error_response(403, error.message, fmt)
        except RateLimited as error:
            return render.error_response(429, error.message, fmt)
        except ServiceRequestInvalid as error:
            return render.error_response(400, error.message, fmt)

    return wrapper


# Parameters ------------------------------------------------------------------------------------


def _param(params: QueryDict, name: str) -> str:
    return params.get(name, "").strip()


def _comma_list(params: QueryDict, name: str) -> list[str]:
    items = [item.strip() for item in _param(params, name).split(",") if item.strip()]
    if len(items) > LIST_MAX:
        raise ServiceRequestInvalid(f"{name} takes at most {LIST_MAX} values.", field=name)
    return items


def _datetime(params: QueryDict, name: str) -> datetime | None:
    value = _param(params, name)
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        day = None if moment else parse_date(value)
        if day is not None:  # a W3C date alone means local midnight
            moment = datetime.combine(day, time.min)
        if moment is None:
            raise ValueError(value)
        moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    except (ValueError, OverflowError) as error:
        raise ServiceRequestInvalid(
            f"{name} must be a W3C datetime, e.g. 2026-11-21T15:00:00-06:00.", field=name
        ) from error
    try:  # the database compares in UTC: 0001-01-01T00:00+05:00 is a valid W3C datetime but not a UTC one
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise ServiceRequestInvalid(f"{name} is out of range.", field=name) from error


def _positive_int(params: QueryDict, name: str, default: int, maximum: int) -> int:
    value = _param(params, name)
    if not value:
        return default
    # ASCII digits only (str.isdigit() also takes "²" or "①", which int() refuses), and no more of them
    # than the maximum has.
    digits = value.isascii() and value.isdigit() and len(value) <= len(str(maximum))
    if not digits or not 1 <= int(value) <= maximum:
        raise ServiceRequestInvalid(f"{name} must be a whole number from 1 to {maximum}.", field=name)
    return int(value)


def request_filters(params: QueryDict, *, now: datetime | None = None) -> selectors.RequestFilters:
    """The search as the spec defines it: at most 90 days, the last 90 days by default."""
    ids = _comma_list(params, "service_request_id")
    if ids:
        return selectors.RequestFilters(ids=ids, with_notes=_extensions(params))
    statuses = [status.lower() for status in _comma_list(params, "status")]
    wrong = sorted(set(statuses) - set(ServiceRequest.Status.values))
    if wrong:
        raise ServiceRequestInvalid(f"status must be open or closed, not {wrong[0]!r}.", field="status")
    start, end = _datetime(params, "start_date"), _datetime(params, "end_date")
    window_moves = start is None and end is None
    try:
        if end is None:
            end = start + RANGE_MAX if start is not None else (now or timezone.now())
        if start is None:
            start = end - RANGE_MAX
    except OverflowError as error:
        raise ServiceRequestInvalid("start_date or end_date is out of range.", field="start_date") from error
    if end < start:
        raise ServiceRequestInvalid("end_date is before start_date.", field="end_date")
    if end - start > RANGE_MAX:
        raise ServiceRequestInvalid("start_date to end_date spans more than 90 days.", field="start_date")
    return selectors.RequestFilters(
        service_codes=_comma_list(params, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
        updated_after=_datetime(params, "updated_after"),
        updated_before=_datetime(params, "updated_before"),
        page=_positive_int(params, "page", 1, 10**6),
        page_size=_positive_int(params, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
        with_notes=_extensions(params),
        window_moves=window_moves,
    )


def _extensions(params: QueryDict) -> bool:
    return _param(params, "extensions").lower() == "true"


def request_input(params: QueryDict) -> RequestInput:
    attributes: dict[str, list[str]] = {}
    for key in params:
        match = ATTRIBUTE_RE.match(key)
        if match:
            attributes.setdefault(match.group(1), []).extend(params.getlist(key))
    return RequestInput(
        service_code=_param(params, "service_code"),
        latitude=_param(params, "lat"),
        longitude=_param(params, "long"),
        address=_param(params, "address_string"),
        address_id=_param(params, "address_id"),
        attributes=attributes,
        description=params.get("description", ""),
        media_url=_param(params, "media_url"),
        email=_param(params, "email"),
        phone=_param(params, "phone"),
        first_name=_param(params, "first_name"),
        last_name=_param(params, "last_name"),
        device_id=_param(params, "device_id"),
        account_id=_param(params, "account_id"),
        channel=ServiceRequest.Channel.API,
    )


def rate_limit_check(client: ApiClient) -> None:
    """At most client.requests_per_minute POSTs per minute (the shared limiter, per API client)."""
    if rate_limit_exceeded(
        scope="open311-post", subject=str(client.pk), limit=client.requests_per_minute, window_seconds=60
    ):
        raise RateLimited("rate limit exceeded")


# Views -----------------------------------------------------------------------------------------


@require_safe
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return render.response(render.discovery(), fmt, root="discovery")


@require_safe
@open311
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    services = list(selectors.service_list())
    return render.response(render.service_list(services), fmt, root="services", item="service")


@require_safe
@open311
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    service = selectors.service_definition_get(code=code)
    return render.response(render.service_definition(service), fmt, root="service_definition")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    return open311_cache.request_list_response(request_filters(request.GET), fmt)


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    if form_holds_null(request.POST):  # a large multipart body, which core.null_bytes leaves to this view
        raise ServiceRequestInvalid(null_refused_message())
    client = api_client_for_key(_param(request.POST, "api_key"))
    data = request_input(request.POST)
    if not data.service_code:
        raise ServiceRequestInvalid("service_code is required.", field="service_code")
    rate_limit_check(client)
    try:
        created = service_request_create(data=data, api_client=client)
    except NotFound as error:  # an unknown service_code is bad input here, not a missing resource
        raise ServiceRequestInvalid(error.message, field="service_code") from error
    return render.response(render.request_created(created), fmt, root="service_requests", item="request")


@require_safe
@open311
def request_detail(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    extensions = _extensions(request.GET)
    found = selectors.request_get(public_id=public_id, with_notes=extensions)
    payload = render.request_list([found], extensions=extensions)
    return render.response(payload, fmt, root="service_requests", item="request")


@csrf_exempt
def not_found(request: HttpRequest, fmt: str) -> HttpResponse:
    return render.error_response(404, "There is no such Open311 resource.", fmt)


@require_safe
@open311
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    found = selectors.request_for_token(token=token)
    return render.response(render.request_token(found), fmt, root="service_requests", item="request")
