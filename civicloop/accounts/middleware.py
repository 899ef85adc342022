"""Staff sessions, in order: expiry (staff_sessions.py), second factor (second_factor.py), audit log."""

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.accounts.models import StaffAuditEvent
from civicloop.accounts.second_factor import (
    SECOND_FACTOR_EXEMPT_VIEWS,
    second_factor_required,
    second_factor_satisfied,
)
from civicloop.accounts.signals import SESSION_EXPIRED_FLAG
from civicloop.accounts.staff_sessions import is_staff_account, staff_session_expired

STAFF_PREFIX = "/staff/"


class StaffSessionExpiryMiddleware:
    """An expired staff session is signed out; on a staff page the person is sent to sign in again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and staff_session_expired(request):
            setattr(request, SESSION_EXPIRED_FLAG, True)
            logout(request)
            messages.info(request, _("Your staff session ended because it was idle or old. Sign in again."))
            if request.path_info.startswith(STAFF_PREFIX):
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class StaffSecondFactorMiddleware:
    """Until someone who must gives their two-factor code, every page but signing in sends them to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> HttpResponse | None:
        match = request.resolver_match
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or match is None:
            return None
        if match.view_name in SECOND_FACTOR_EXEMPT_VIEWS:
            return None
        user = request.user
        if (
            not user.is_authenticated
            or second_factor_satisfied(request)
            or not second_factor_required(request)
        ):
            return None
        page = "staff:second-factor-verify" if _has_confirmed_device(user) else "staff:second-factor-setup"
        return HttpResponseRedirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")


def _has_confirmed_device(user: Any) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


AUDITED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDITED_PREFIXES = (STAFF_PREFIX, "/admin/", "/api/")
# These write their own, clearer events (signals.py and the two-factor services).
NOT_AUDITED_VIEWS = frozenset(
    {
        "staff:login",
        "staff:logout",
        "staff:second-factor-verify",
        "staff:second-factor-setup",
        "staff:passkey-verify-options",
        "staff:passkey-verify",
        "staff:passkey-register-options",
        "staff:passkey-register",
        "staff:passkey-remove",
        "admin:login",
        "admin:logout",
    }
)
# Only ids go in the log (never tokens or anything a resident typed): pk, object_id, public_id, slug...
TARGET_KWARG = re.compile(r"(^|_)(id|pk|slug)$")
WRITE_STATEMENT = re.compile(r"^\s*(?:WITH\b.*?\b)?(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.I | re.S)


class StaffAuditMiddleware:
    """Each staff request that changed data (a write method, a write to the database, a status under 400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in AUDITED_METHODS or not request.path_info.startswith(AUDITED_PREFIXES):
            return self.get_response(request)
        with _database_writes_watched() as wrote:
            response = self.get_response(request)
        if response.status_code < 400 and wrote and is_staff_account(request.user):
            _audit_change(request, response)
        return response


def _audit_change(request: HttpRequest, response: HttpResponse) -> None:
    from civicloop.accounts.services import staff_audit_record

    match = request.resolver_match
    if match is not None and match.view_name in NOT_AUDITED_VIEWS:
        return
    target = (
        ", ".join(f"{key}={value}" for key, value in match.kwargs.items() if TARGET_KWARG.search(key))
        if match
        else ""
    )
    staff_audit_record(
        kind=StaffAuditEvent.Kind.CHANGE,
        actor=request.user,
        method=request.method or "",
        route=match.view_name if match else request.path_info,
        target=target,
        status_code=response.status_code,
    )


@contextmanager
def _database_writes_watched() -> Iterator[list[bool]]:
    """A list that holds True once any INSERT, UPDATE or DELETE ran inside the block (a form shown again
    with its errors changed nothing, so it is not logged)."""
    wrote: list[bool] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not wrote and WRITE_STATEMENT.match(sql):
            wrote.append(True)
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(watch))
        yield wrote
