"""Requests carrying a NUL character (0x00) are refused before any view: PostgreSQL cannot store or compare
text holding one (a lookup or a write would fail with a server error), and no resident types one."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

# Multipart forms are left to their forms (Django's CharField refuses a NUL): reading an upload here would
# stream it before the view chooses how.
_FORM_TYPES = ("application/x-www-form-urlencoded",)


def request_holds_null(request: HttpRequest) -> bool:
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    return False


class NullBytesRefusedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request_holds_null(request):
            return self.get_response(request)
        message = _("The request holds a NUL character (0x00), which no field accepts.")
        if request.path.startswith("/open311/"):
            from civicloop.servicerequests.open311_render import error_response

            return error_response(400, message, "xml" if request.path.endswith(".xml") else "json")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
