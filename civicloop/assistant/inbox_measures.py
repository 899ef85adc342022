"""How fast the city answers, by channel and language (/staff/inbox/measures/), for staff."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from civicloop.accounts.decorators import capability_required
from civicloop.accounts.permissions import Capability
from civicloop.assistant.response_times import DAYS, DAYS_MAX, inbox_response_times


@never_cache
@require_safe
@capability_required(Capability.ANSWER_RESIDENTS)
def inbox_measures(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("days", "")
    days = min(int(raw), DAYS_MAX) if raw.isdigit() and int(raw) > 0 else DAYS
    context = {"rows": inbox_response_times(days=days), "days": days}
    return render(request, "assistant/staff/inbox_measures.html", context)
