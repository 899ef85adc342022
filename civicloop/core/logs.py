"""Structured logs: one JSON object per line (LOG_FORMAT=json), each request's id on every line it
causes, one line per request, and no contact details in any line.

- ``RequestLogMiddleware`` (first in MIDDLEWARE) takes the proxy's ``X-Request-ID`` when it is a
  plain token, or makes one, answers it in the response's ``X-Request-ID``, and logs one line per
  request on ``civicloop.request``: method, route (the URL pattern, never the path: paths carry signed
  links and request numbers), status and duration.
- ``RequestIdFilter`` puts the id on every record logged while the request runs; tasks log one line
  when they start and one when they finish (django-tasks' own, on ``django_tasks``).
- ``MaskContactDetails`` masks email addresses and phone numbers in every message and traceback, as
  the public pages mask residents' text (``core.text.contact_details_mask``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from civicloop.core.metrics import request_observe
from civicloop.core.text import contact_details_mask, may_hold_contact_details

request_id_var: ContextVar[str] = ContextVar("civicloop_request_id", default="")
request_logger = logging.getLogger("civicloop.request")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Fields a record may carry (logging's `extra`) that the JSON line keeps.
_EXTRA_FIELDS = ("method", "route", "status", "duration_ms")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class MaskContactDetails(logging.Filter):
    """The record's message and traceback with emails and phone numbers masked, before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(
            record, "contact_details_free", False
        ):  # made of our own fields: "200 952.4 ms" is no phone
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's error path
            return True
        if may_hold_contact_details(message):
            record.msg, record.args = contact_details_mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and may_hold_contact_details(record.exc_text):
            record.exc_text = contact_details_mask(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
        }
        for name in _EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return orjson.dumps(line, default=str).decode()


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            seconds = time.perf_counter() - started
            match = request.resolver_match
            route = (match.route or match.view_name) if match else ""
            request_observe(
                route=route, method=request.method or "", status=response.status_code, seconds=seconds
            )
            if settings.LOG_REQUESTS:
                duration = round(seconds * 1000, 1)
                request_logger.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    route or "-",
                    response.status_code,
                    duration,
                    extra={
                        "method": request.method,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": duration,
                        # Method, route pattern, status and duration only: nothing a resident typed.
                        "contact_details_free": True,
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
