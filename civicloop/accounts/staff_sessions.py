"""Staff session lifetimes: a staff session ends after STAFF_SESSION_IDLE_MINUTES without a request and
STAFF_SESSION_MAX_HOURS after sign-in, whatever happens in between. Residents' sessions are not touched."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest
from django.utils import timezone

STARTED_KEY = "staff_session_started_at"
SEEN_KEY = "staff_session_seen_at"
# The last-seen time is written at most this often, so each request does not save the session.
SEEN_RESOLUTION_SECONDS = 60


def is_staff_account(user: object) -> bool:
    return bool(getattr(user, "is_city_staff", False) or getattr(user, "is_staff", False))


def staff_session_start(request: HttpRequest) -> None:
    now = timezone.now().timestamp()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


def staff_session_expired(request: HttpRequest) -> bool:
    """True when this signed-in staff session is too old or was idle too long; else notes the request."""
    session = request.session
    if SESSION_KEY not in session:
        return False
    started, seen = session.get(STARTED_KEY), session.get(SEEN_KEY)
    if started is None or seen is None:
        # Signed in before lifetimes were kept: its clock starts now, if it is a staff session.
        if is_staff_account(request.user):
            staff_session_start(request)
        return False
    now = timezone.now().timestamp()
    idle_limit = float(settings.STAFF_SESSION_IDLE_MINUTES) * 60
    max_age = float(settings.STAFF_SESSION_MAX_HOURS) * 3600
    if (idle_limit and now - float(seen) > idle_limit) or (max_age and now - float(started) > max_age):
        return True
    if now - float(seen) >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_KEY] = now
    return False
