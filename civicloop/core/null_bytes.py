"""Requests carrying a NUL character (0x00) are refused before any view: PostgreSQL cannot store or compare
text holding one (a lookup or a write would fail with a server error), and no resident types one.

Checked: the path, the query string, and the field names and values of a POST form, urlencoded or
multipart (a file's contents are not text and are not looked at; its fields are). A multipart body is
parsed here only in ways that leave the view what it would have had:

- up to DATA_UPLOAD_MAX_MEMORY_SIZE, the raw body is read (Django keeps it: ``request.body`` still works)
  and the form parsed from that copy, never from the network twice;
- a larger one (a photo) is parsed with Django's own upload handlers and limits, files streamed to them
  once, and only for views that check the CSRF token, since CsrfViewMiddleware parses the form of those
  anyway. A large multipart body to a CSRF-exempt view (CKAN's API reads the raw body) is left to it:
  Open311's POST checks its form itself (``form_holds_null``), forms refuse a NUL in a CharField.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def form_holds_null(form: QueryDict) -> bool:
    return any("\x00" in name or any("\x00" in value for value in values) for name, values in form.lists())


def request_holds_null(request: HttpRequest) -> bool:
    """In the path, the query string, or an urlencoded POST form."""
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.method == "POST" and request.content_type == _URLENCODED:
        return form_holds_null(request.POST)
    return False


def _small(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is None or 0 < length <= limit


def multipart_holds_null(request: HttpRequest, *, view_checks_csrf: bool) -> bool:
    """In a text field (name or value) of a multipart POST form, when it may be parsed here (see above)."""
    if request.method != "POST" or request.content_type != _MULTIPART:
        return False
    if _small(request):
        request.body  # noqa: B018 -- read once and kept, so the view may still read the raw body
    elif not view_checks_csrf:
        return False
    # Django's parser: its limits (DATA_UPLOAD_MAX_MEMORY_SIZE for the fields, DATA_UPLOAD_MAX_NUMBER_FIELDS
    # and _FILES) raise as they would in the view, and become a 400 the same way.
    return form_holds_null(request.POST)


def null_refused_message() -> str:
    return _("The request holds a NUL character (0x00), which no field accepts.")


def refusal(request: HttpRequest) -> HttpResponse:
    """The 400 in the dialect of the interface asked: Open311's error list, the JSON API's detail, or text."""
    message = null_refused_message()
    # An app's own dialect (Open311), named in settings so that core imports no domain app.
    for prefix, renderer in settings.NULL_BYTES_ERROR_RENDERERS.items():
        if request.path.startswith(prefix):
            error_response = import_string(renderer)
            return error_response(400, message, "xml" if request.path.endswith(".xml") else "json")
    if request.path.startswith("/api/v1/"):  # the JSON API's error, as its OpenAPI file documents it
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class NullBytesRefusedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_holds_null(request):
            return refusal(request)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Multipart forms once the view is known (before CsrfViewMiddleware, which comes later)."""
        checks_csrf = not getattr(view, "csrf_exempt", False)
        if multipart_holds_null(request, view_checks_csrf=checks_csrf):
            return refusal(request)
        return None
