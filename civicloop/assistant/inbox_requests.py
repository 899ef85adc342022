"""Staff turn a resident's message into a 311 request (/staff/inbox/<id>/request/): first the service, then
its questions with the thread's words, place and photo filled in. Thin views: the service does the work."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.assistant import inbox_selectors
from civicloop.assistant.services.inbox_requests import (
    InboxRequestInvalid,
    inbox_request_draft,
    inbox_request_file,
    inbox_request_link,
)
from civicloop.core.errors import NotFound
from civicloop.servicerequests.forms import ServiceRequestForm
from civicloop.servicerequests.selectors import service_list
from civicloop.servicerequests.services import ServiceRequestInvalid
from civicloop.servicerequests.web_selectors import service_for_form

# The resident's contact comes from the conversation: staff never type it.
STAFF_HIDDEN_FIELDS = ("email", "phone", "photo")


def _form(
    service_code: str, data: object = None, initial: dict[str, str] | None = None
) -> ServiceRequestForm:
    form = ServiceRequestForm(data, service=service_for_form(service_code), initial=initial or {})
    for name in STAFF_HIDDEN_FIELDS:
        form.fields.pop(name, None)
    return form


@never_cache
@require_http_methods(["GET", "POST"])
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_request(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = inbox_selectors.inbox_conversation(conversation_id=conversation_id)
    except NotFound as error:
        raise Http404(error.message) from error
    draft = inbox_request_draft(conversation=conversation)
    code = (request.POST.get("service") or request.GET.get("service") or "").strip()
    services = [(service.code, service.name) for service in service_list().order_by("name")]
    context: dict[str, object] = {"conversation": conversation, "draft": draft, "services": services}
    if not code:
        return render(request, "assistant/staff/inbox_request.html", context)
    try:
        service = service_for_form(code)
    except NotFound as error:
        raise Http404(error.message) from error
    status = 200
    if request.method == "POST":
        form = _form(code, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = inbox_request_file(
                    conversation_id=conversation.pk,
                    service_code=code,
                    description=data["description"],
                    address=data["address"],
                    latitude=form.coordinate(data["latitude"]),
                    longitude=form.coordinate(data["longitude"]),
                    attributes=form.attribute_values(),
                )
            except InboxRequestInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except ServiceRequestInvalid as error:
                form.add_error(form.field_for_error(error.field), error.message)
            else:
                messages.success(
                    request,
                    _("Filed as 311 request %(number)s. Tell the resident its number in your reply.")
                    % {"number": filed.public_id},
                )
                return HttpResponseRedirect(reverse("staff:inbox-thread", args=[conversation.pk]))
        status = 400
    else:
        form = _form(code, initial={"description": draft.description, "address": draft.address})
    context |= {"form": form, "service": service}
    return render(request, "assistant/staff/inbox_request.html", context, status=status)


@require_POST
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_thread_request_link(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """POST /staff/inbox/<id>/request/link/: the resident follows an existing request where they wrote."""
    try:
        linked = inbox_request_link(conversation_id=conversation_id, public_id=request.POST.get("number", ""))
    except NotFound as error:
        raise Http404(error.message) from error
    except InboxRequestInvalid as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("staff:inbox-request", args=[conversation_id]))
    messages.success(
        request,
        _("The resident now follows request %(number)s: they hear of its status where they wrote from.")
        % {"number": linked.public_id},
    )
    return HttpResponseRedirect(reverse("staff:inbox-thread", args=[conversation_id]))
