"""Public dashboards (/insights/), their CSV files, the staff dashboard, and neighbourhood pages (/areas/).

Thin views: read the stored snapshot (computed on the first view if it never was), shape, render.
"""

import csv
import io

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.core.errors import NotFound
from civicloop.insights import selectors
from civicloop.insights.services import insights_snapshot_ensure
from civicloop.insights.tasks import refresh_insights


def _language() -> str:
    return "es" if (translation.get_language() or "").startswith("es") else "en"


@require_safe
def insights_dashboard(request: HttpRequest) -> HttpResponse:
    data = insights_snapshot_ensure()
    context = {"dashboard": selectors.dashboard(data, language=_language())}
    return render(request, "insights/dashboard.html", context)


@require_safe
def insights_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart's data as CSV; counts under the minimum cell size are empty cells."""
    data = insights_snapshot_ensure()
    try:
        table = selectors.chart_table(data, chart, language=_language())
    except NotFound as error:
        raise Http404(error.message) from error
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows([["" if value is None else value for value in row] for row in table.rows])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart}.csv"'
    return response


@capability_required(Capability.VIEW_CONSOLE)
@require_safe
def staff_insights(request: HttpRequest) -> HttpResponse:
    data = insights_snapshot_ensure()
    context = {"dashboard": selectors.dashboard(data, language=_language(), staff=True), "staff": True}
    return render(request, "insights/staff_dashboard.html", context)


@capability_required(Capability.VIEW_CONSOLE)
@require_POST
def staff_insights_refresh(request: HttpRequest) -> HttpResponse:
    transaction.on_commit(refresh_insights.enqueue)
    messages.success(request, _("The figures are being recomputed. Reload this page in a minute."))
    return HttpResponseRedirect(reverse("insights:staff"))


@require_safe
def area_list(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/area_list.html", {"areas": selectors.community_area_list()})


@require_safe
def area_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        area = selectors.community_area_by_slug(slug)
    except NotFound as error:
        raise Http404(error.message) from error
    data = insights_snapshot_ensure()
    page = selectors.area_page(area=area, data=data, language=_language())
    return render(request, "insights/area_detail.html", {"page": page, "area": area})
