"""Moderation's resident page: the code of conduct. (Reporting a post and appealing a decision are the
content app's pages, calling moderation's services: engage/views/reporting.py.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from civicloop.moderation.models import ReasonCode


@require_safe
def code_of_conduct(request: HttpRequest) -> HttpResponse:
    return render(request, "moderation/code_of_conduct.html", {"reasons": ReasonCode.choices})
