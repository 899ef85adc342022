"""Staff sign-in throttling with django-axes: its handler, the lockout message, and the lockout receiver.

Axes counts failed sign-ins per username and per network address (a keyed pseudonym of it, see
AXES_CLIENT_IP_CALLABLE) in its AccessAttempt rows; settings.py has the limits. What the city adds:
a success clears only the signed-in account's failures, a locked-out person sees the sign-in page
again with one message (views.login_locked_out), and each new lockout is written to the audit trail
and told to the account holder (services.staff_login_lockout_record).
"""

import math
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import ngettext

from civicloop.core.throttling import client_network_key


class StaffLoginAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler, but a success resets only the signed-in username's failures.

    Axes' own reset also deletes every failure from the client's address, whatever username it named:
    anyone with one valid account could then sign in between guesses and never reach another
    account's limit.
    """

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def login_failure_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def login_cooloff() -> timedelta:
    cooloff = get_cool_off()
    return cooloff if cooloff is not None else timedelta(0)


def login_cooloff_minutes() -> int:
    return max(1, math.ceil(login_cooloff().total_seconds() / 60))


def login_lockout_message() -> str:
    """The one message shown when a sign-in is refused, whether or not the account exists."""
    minutes = login_cooloff_minutes()
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@receiver(user_locked_out, dispatch_uid="civicloop.accounts.login_lockout_record")
def login_lockout_record(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    """Axes sends user_locked_out for the failure that reaches a limit and for every sign-in refused
    while locked out; the service records (and emails about) only the lockouts a failure starts."""
    from civicloop.accounts.services import staff_login_lockout_record

    # None: axes refused this attempt without counting it, so it cannot have started a lockout.
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    staff_login_lockout_record(
        username=username or "",
        address_pseudonym=getattr(request, "axes_ip_address", None),
        network_key=client_network_key(request),
        at=request.axes_attempt_time,  # type: ignore[attr-defined]
    )
