"""Records requests in the staff console (administrators only): export or erase one resident's data.

Email addresses and phone numbers travel in POST bodies only, never in a URL, so no access log keeps
them; the pages are never cached.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.records.errors import RecordsInvalid
from civicloop.records.forms import ErasureConfirmForm, ResidentIdentifiersForm
from civicloop.records.models import RecordsRequest
from civicloop.records.registry import Subject
from civicloop.records.selectors import holdings_counts, subject_find
from civicloop.records.services import records_erase, records_export_json

TEMPLATE = "records/staff/records.html"
CONFIRM_TEMPLATE = "records/staff/erase_confirm.html"


def _subject(form: ResidentIdentifiersForm) -> Subject | None:
    if not form.is_valid():
        return None
    try:
        return subject_find(email=form.cleaned_data["email"], phone=form.cleaned_data["phone"])
    except RecordsInvalid as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None


@never_cache
@require_safe
@capability_required(Capability.ADMINISTER)
def records_home(request: HttpRequest) -> HttpResponse:
    context = {
        "form": ResidentIdentifiersForm(),
        "recent": RecordsRequest.objects.select_related("actor")[:20],
    }
    return render(request, TEMPLATE, context)


@never_cache
@require_POST
@capability_required(Capability.ADMINISTER)
def records_export_download(request: HttpRequest) -> HttpResponse:
    form = ResidentIdentifiersForm(request.POST)
    subject = _subject(form)
    if subject is None:
        context = {"form": form, "recent": RecordsRequest.objects.select_related("actor")[:20]}
        return render(request, TEMPLATE, context, status=400)
    document = records_export_json(subject=subject, source=RecordsRequest.Source.STAFF, actor=request.user)
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="records-{timezone.now():%Y%m%d-%H%M%S}.json"'
    return response


@never_cache
@require_POST
@capability_required(Capability.ADMINISTER)
def records_erase_confirm(request: HttpRequest) -> HttpResponse:
    """First POST (from the records page): what would change; second, with the box ticked: erase."""
    confirming = "confirm" in request.POST or "erase" in request.POST
    form: ResidentIdentifiersForm = (
        ErasureConfirmForm(request.POST) if confirming else ResidentIdentifiersForm(request.POST)
    )
    if not confirming:
        subject = _subject(form)
        if subject is None:
            context = {"form": form, "recent": RecordsRequest.objects.select_related("actor")[:20]}
            return render(request, TEMPLATE, context, status=400)
        context = {
            "form": ErasureConfirmForm(initial=form.cleaned_data),
            "counts": holdings_counts(subject),
        }
        return render(request, CONFIRM_TEMPLATE, context)
    subject = _subject(form)
    if subject is None:
        # The box was not ticked (or the identifiers do not read): asked again, with what would change.
        identified = _subject(ResidentIdentifiersForm(request.POST))
        counts = holdings_counts(identified) if identified is not None else []
        return render(request, CONFIRM_TEMPLATE, {"form": form, "counts": counts}, status=400)
    try:
        outcome = records_erase(subject=subject, source=RecordsRequest.Source.STAFF, actor=request.user)
    except RecordsInvalid as error:
        form.add_error(None, error.message)
        return render(
            request, CONFIRM_TEMPLATE, {"form": form, "counts": holdings_counts(subject)}, status=400
        )
    messages.success(
        request,
        _("Erased: %(rows)d rows changed in %(datasets)d datasets. The public record stays, anonymised.")
        % {"rows": outcome.changed, "datasets": len(outcome.datasets)},
    )
    return redirect("staff:records")
