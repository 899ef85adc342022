"""The staff audit log for admins: the page, filtered by person and dates, and its CSV export."""

import csv
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from civicloop.accounts import selectors, services
from civicloop.accounts.audit_export import audit_csv_rows
from civicloop.accounts.decorators import capability_required
from civicloop.accounts.forms import AuditFilterForm
from civicloop.accounts.models import StaffAuditEvent
from civicloop.accounts.permissions import Capability

AUDIT_PAGE_SIZE = 50


@require_safe
@capability_required(Capability.ADMINISTER)
def staff_audit(request: HttpRequest) -> HttpResponse:
    """The staff audit log for admins: who changed what and when, filtered by person and dates."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.staff_audit_events(
        actor=filters.get("actor") or "", since=filters.get("since"), until=filters.get("until")
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
    context = {"form": form, "page": page, "query": query}
    return render(request, "staff/audit.html", context)


class _Echo:
    """A file-like that hands back what csv.writer writes, so each row streams as it is made."""

    def write(self, value: str) -> str:
        return value


@require_safe
@capability_required(Capability.ADMINISTER)
def staff_audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The same log (and filters) as CSV, streamed; exporting it is itself logged."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.staff_audit_events(
        actor=filters.get("actor") or "", since=filters.get("since"), until=filters.get("until")
    )
    services.staff_audit_record(
        kind=StaffAuditEvent.Kind.AUDIT_EXPORTED, actor=request.user, method="GET", route="staff:audit-csv"
    )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_csv_rows(events)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="staff-audit-{stamp}.csv"'
    return response
