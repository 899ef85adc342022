"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES idle or STAFF_SESSION_MAX_HOURS after sign-in."""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from civicloop.accounts.models import Role, StaffAuditEvent
from civicloop.accounts.services import staff_user_ensure
from civicloop.accounts.staff_sessions import SEEN_KEY, STARTED_KEY

MINUTE = 60
HOUR = 3600


@pytest.fixture(autouse=True)
def _lifetimes(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    settings.STAFF_SESSION_MAX_HOURS = 12


@pytest.fixture
def staff_client(client, db):
    user = staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password="a-long-test-password-1",
        full_name="Carmen O",
    )
    client.force_login(user)
    return client


def rewind(client, *, started_ago: float, seen_ago: float) -> None:
    """Time travel: the session says it started and was last used that many seconds ago."""
    now = timezone.now().timestamp()
    session = client.session
    session[STARTED_KEY] = now - started_ago
    session[SEEN_KEY] = now - seen_ago
    session.save()


def test_a_staff_session_used_recently_stays_signed_in(staff_client):
    rewind(staff_client, started_ago=11 * HOUR, seen_ago=29 * MINUTE)

    assert staff_client.get("/staff/").status_code == 200
    assert staff_client.session[SEEN_KEY] > timezone.now().timestamp() - MINUTE


def test_an_idle_staff_session_is_signed_out_and_sent_to_sign_in(staff_client):
    rewind(staff_client, started_ago=1 * HOUR, seen_ago=31 * MINUTE)

    response = staff_client.get("/staff/announcements/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/announcements/"
    assert "_auth_user_id" not in staff_client.session
    [message] = get_messages(response.wsgi_request)
    assert "session ended" in str(message)
    assert StaffAuditEvent.objects.filter(
        kind=StaffAuditEvent.Kind.SESSION_EXPIRED, actor_username="carmen"
    ).exists()


def test_a_staff_session_older_than_the_maximum_ends_however_busy(staff_client):
    rewind(staff_client, started_ago=12 * HOUR + MINUTE, seen_ago=0)

    response = staff_client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert staff_client.get("/staff/").status_code == 302


def test_an_expired_staff_session_on_a_public_page_just_signs_out(staff_client):
    rewind(staff_client, started_ago=1 * HOUR, seen_ago=2 * HOUR)

    response = staff_client.get("/healthz")

    assert response.status_code == 200
    assert "_auth_user_id" not in staff_client.session


def test_residents_sessions_are_not_touched(client, db):
    resident = staff_user_ensure(
        username="rita",
        email="r@example.org",
        role=Role.RESIDENT,
        password="a-long-test-password-1",
        full_name="Rita R",
    )
    client.force_login(resident)
    session = client.session
    session["something"] = "kept"
    session.save()

    client.get("/healthz")

    assert STARTED_KEY not in client.session
    assert "_auth_user_id" in client.session


def test_a_zero_limit_turns_that_limit_off(staff_client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 0
    rewind(staff_client, started_ago=1 * HOUR, seen_ago=5 * HOUR)

    assert staff_client.get("/staff/").status_code == 200
