"""The staff 311 queues: a department's requests, bulk close, and one request's status, duplicate, assignee.

Thin views: parse, scope to the member of staff's department, call one service, redirect with a message.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.models import User
from civicloop.accounts.permissions import Capability
from civicloop.core.errors import NotFound
from civicloop.core.text import web_address
from civicloop.servicerequests import staff_selectors
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import (
    ServiceRequestInvalid,
    service_request_assign,
    service_request_status_change,
    service_requests_close,
)
from civicloop.servicerequests.staff_forms import (
    ASSIGNEE_FILTER_CHOICES,
    SORT_CHOICES,
    STATUS_FILTER_CHOICES,
    AssignForm,
    BulkCloseForm,
    DuplicateForm,
    StatusChangeForm,
    queue_filters_parse,
    queue_query,
)
from civicloop.servicerequests.staff_selectors import QueueScope

PAGE_SIZE = 50
FORM_PREFIXES = {"status": "status", "duplicate": "duplicate", "assign": "assign"}


def _language() -> str:
    return "es" if (translation.get_language() or "").startswith("es") else "en"


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # capability_required let only a signed-in user through
    return user


def _scope(request: HttpRequest) -> QueueScope:
    return staff_selectors.queue_scope(_staff(request))


def _queue_url(query: str = "") -> str:
    url = reverse("staff:request-queue")
    return f"{url}?{query}" if query else url


@require_http_methods(["GET", "POST"])
@capability_required(Capability.WORK_SERVICE_QUEUES)
def staff_request_queue(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    filters = queue_filters_parse(request.GET, scope=scope)
    query = queue_query(filters)
    page_number = request.GET.get("page", "")
    if request.method == "POST":
        close_form = BulkCloseForm(request.POST)
        if close_form.is_valid():
            data = close_form.cleaned_data
            allowed = staff_selectors.queue_request_ids_in_scope(scope=scope, public_ids=data["requests"])
            try:
                closed = service_requests_close(
                    request_ids=allowed,
                    detailed_status=data["detailed_status"],
                    note=data["note"],
                    actor=request.user,
                )
            except ServiceRequestInvalid as error:
                field = error.field if error.field in close_form.fields else None
                close_form.add_error(field, error.message)
            else:
                if closed:
                    messages.success(
                        request,
                        ngettext("%(count)d request closed.", "%(count)d requests closed.", closed)
                        % {"count": closed},
                    )
                else:
                    messages.warning(request, _("No request was closed: the ones you ticked were not open."))
                if page_number.isdigit():
                    query = f"{query}&page={page_number}" if query else f"page={page_number}"
                return HttpResponseRedirect(_queue_url(query))
    else:
        close_form = BulkCloseForm()

    now = timezone.now()
    requests = staff_selectors.queue_requests(
        scope=scope, filters=filters, user_id=_staff(request).pk, now=now
    )
    page = Paginator(requests, PAGE_SIZE).get_page(page_number)
    # The bulk close posts back to this very page, so the redirect lands on the same filters and page.
    page_query = f"{query}&page={page.number}" if query else f"page={page.number}"
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "query": query,
        "close_action": _queue_url(page_query),
        "scope": scope,
        "overdue_count": staff_selectors.queue_overdue_count(
            scope=scope, department=filters.department, now=now
        ),
        "departments": staff_selectors.queue_department_choices() if scope.all_departments else [],
        "services": staff_selectors.queue_service_choices(scope),
        "areas": staff_selectors.queue_area_choices(),
        "status_choices": STATUS_FILTER_CHOICES,
        "assignee_choices": ASSIGNEE_FILTER_CHOICES,
        "sort_choices": SORT_CHOICES,
        "close_form": close_form,
        "ticked": set(request.POST.getlist("requests")),
        "language": _language(),
    }
    status = 400 if close_form.is_bound and close_form.errors else 200
    return render(request, "servicerequests/staff/queue.html", context, status=status)


def _request_in_scope(request: HttpRequest, public_id: str) -> ServiceRequest:
    try:
        return staff_selectors.queue_request_get(scope=_scope(request), public_id=public_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _detail_page(
    request: HttpRequest,
    public_id: str,
    *,
    bound: StatusChangeForm | DuplicateForm | AssignForm | None = None,
) -> HttpResponse:
    scope = _scope(request)
    try:
        service_request = staff_selectors.queue_request_for_staff(
            scope=scope, public_id=public_id, now=timezone.now()
        )
    except NotFound as error:
        raise Http404(error.message) from error
    department = service_request.service.department
    forms: dict[str, Any] = {
        "status_form": StatusChangeForm(
            prefix=FORM_PREFIXES["status"],
            initial={"detailed_status": service_request.detailed_status},
        ),
        "duplicate_form": DuplicateForm(
            prefix=FORM_PREFIXES["duplicate"], request=service_request, scope=scope
        ),
        "assign_form": AssignForm(
            prefix=FORM_PREFIXES["assign"],
            department=department,
            initial={"assignee": service_request.assigned_to_id},
        ),
    }
    if isinstance(bound, StatusChangeForm):
        forms["status_form"] = bound
    elif isinstance(bound, DuplicateForm):
        forms["duplicate_form"] = bound
    elif isinstance(bound, AssignForm):
        forms["assign_form"] = bound
    language = _language()
    context = {
        "service_request": service_request,
        "answers": staff_selectors.request_answers(service_request, language=language),
        "timeline": service_request.changes.all(),
        "duplicates": service_request.duplicates.all(),
        # Rows stored before media_url was checked may hold javascript: and the like: link web addresses only.
        "media_link": web_address(service_request.media_url),
        "language": language,
        **forms,
    }
    return render(
        request, "servicerequests/staff/detail.html", context, status=400 if bound is not None else 200
    )


def _detail_url(service_request: ServiceRequest) -> str:
    return reverse("staff:request-detail", args=[service_request.public_id])


@require_http_methods(["GET"])
@capability_required(Capability.WORK_SERVICE_QUEUES)
def staff_request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail_page(request, public_id)


@require_POST
@capability_required(Capability.WORK_SERVICE_QUEUES)
def staff_request_status(request: HttpRequest, public_id: str) -> HttpResponse:
    service_request = _request_in_scope(request, public_id)
    form = StatusChangeForm(request.POST, prefix=FORM_PREFIXES["status"])
    if form.is_valid():
        try:
            service_request_status_change(
                request=service_request,
                detailed_status=form.cleaned_data["detailed_status"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ServiceRequestInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            label = ServiceRequest.Detailed(form.cleaned_data["detailed_status"]).label
            messages.success(request, _("Status changed to %(status)s.") % {"status": label})
            return HttpResponseRedirect(_detail_url(service_request))
    return _detail_page(request, public_id, bound=form)


@require_POST
@capability_required(Capability.WORK_SERVICE_QUEUES)
def staff_request_duplicate(request: HttpRequest, public_id: str) -> HttpResponse:
    scope = _scope(request)
    service_request = _request_in_scope(request, public_id)
    form = DuplicateForm(
        request.POST, prefix=FORM_PREFIXES["duplicate"], request=service_request, scope=scope
    )
    if form.is_valid():
        parent: ServiceRequest = form.cleaned_data["parent"]
        try:
            service_request_status_change(
                request=service_request,
                detailed_status=ServiceRequest.Detailed.DUPLICATE,
                note=form.cleaned_data["note"],
                actor=request.user,
                parent=parent,
            )
        except ServiceRequestInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Marked as a duplicate of %(id)s. Its followers now follow %(id)s too.")
                % {"id": parent.public_id},
            )
            return HttpResponseRedirect(_detail_url(service_request))
    return _detail_page(request, public_id, bound=form)


@require_POST
@capability_required(Capability.WORK_SERVICE_QUEUES)
def staff_request_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    service_request = _request_in_scope(request, public_id)
    form = AssignForm(
        request.POST, prefix=FORM_PREFIXES["assign"], department=service_request.service.department
    )
    if form.is_valid():
        assignee: User | None = form.cleaned_data["assignee"]
        try:
            service_request_assign(request=service_request, assignee=assignee, actor=request.user)
        except ServiceRequestInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if assignee is None:
                messages.success(request, _("Unassigned."))
            else:
                name = assignee.get_full_name() or assignee.get_username()
                messages.success(request, _("Assigned to %(name)s.") % {"name": name})
            return HttpResponseRedirect(_detail_url(service_request))
    return _detail_page(request, public_id, bound=form)
