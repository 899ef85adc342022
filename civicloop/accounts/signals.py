"""Staff sign-ins and sign-outs: start the session's clock and write the audit log."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from civicloop.accounts.models import StaffAuditEvent
from civicloop.accounts.oidc import signed_in_with_oidc
from civicloop.accounts.second_factor import second_factor_device_remember
from civicloop.accounts.staff_sessions import is_staff_account, staff_session_start

# Set on the request by the session-expiry middleware, so its sign-out is logged as an expiry.
SESSION_EXPIRED_FLAG = "staff_session_expired"


@receiver(user_logged_in, dispatch_uid="civicloop.accounts.staff_signed_in")
def staff_signed_in(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    from civicloop.accounts.services import staff_audit_record

    if request is None or not is_staff_account(user):
        return
    staff_session_start(request)
    second_factor_device_remember(request, user)
    staff_audit_record(
        kind=StaffAuditEvent.Kind.SIGNED_IN,
        actor=user,
        target="single sign-on" if signed_in_with_oidc(request) else "password",
    )


@receiver(user_logged_out, dispatch_uid="civicloop.accounts.staff_signed_out")
def staff_signed_out(
    sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any
) -> None:
    from civicloop.accounts.services import staff_audit_record

    if not is_staff_account(user):
        return
    expired = request is not None and getattr(request, SESSION_EXPIRED_FLAG, False)
    kind = StaffAuditEvent.Kind.SESSION_EXPIRED if expired else StaffAuditEvent.Kind.SIGNED_OUT
    staff_audit_record(kind=kind, actor=user)
