"""Staff: each export's state (last refresh, rows, last error) and a button to refresh them now."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.opendata.registry import datasets_available
from civicloop.opendata.selectors import exports_by_identifier
from civicloop.opendata.tasks import refresh_all_datasets


@require_safe
@capability_required(Capability.PUBLISH_OPEN_DATA)
def exports_overview(request: HttpRequest) -> HttpResponse:
    exports = exports_by_identifier()
    rows = [
        {"dataset": dataset, "export": exports.get(dataset.identifier)} for dataset in datasets_available()
    ]
    return render(request, "opendata/staff_exports.html", {"rows": rows})


@require_POST
@capability_required(Capability.PUBLISH_OPEN_DATA)
def exports_refresh(request: HttpRequest) -> HttpResponse:
    transaction.on_commit(refresh_all_datasets.enqueue)
    messages.success(request, _("Every dataset will be refreshed in the background in a moment."))
    return HttpResponseRedirect(reverse("opendata:staff"))
