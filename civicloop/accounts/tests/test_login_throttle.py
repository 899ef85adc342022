"""Staff sign-in throttling (django-axes): per username and per network address, at /staff/login/ and
the admin's login; the locked-out page, the account holder's email and the audit trail."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from civicloop.accounts.models import Role, StaffSecurityEvent
from civicloop.accounts.services import staff_user_ensure
from civicloop.accounts.tasks import send_staff_lockout_email

STAFF_LOGIN = "/staff/login/"
ADMIN_LOGIN = "/staff/admin/login/"
PASSWORD = "a-long-test-password-1"
WRONG = "not-the-password-42"
LIMIT = 10
COOLOFF_MINUTES = 15
LOCKED_MESSAGE = f"Too many failed sign-in attempts. Try again in {COOLOFF_MINUTES} minutes."
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.23"
EMAIL_TASK = "civicloop.accounts.tasks.send_staff_lockout_email"


@pytest.fixture(autouse=True)
def _throttle_settings(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=COOLOFF_MINUTES)


@pytest.fixture
def department(db):
    return staff_user_ensure(
        username="department",
        email="dept@example.org",
        role=Role.DEPARTMENT,
        password=PASSWORD,
        full_name="Dana Department",
    )


@pytest.fixture
def moderator(db):
    return staff_user_ensure(
        username="moderator",
        email="mod@example.org",
        role=Role.MODERATOR,
        password=PASSWORD,
        full_name="Mo Moderator",
    )


def sign_in(username, password, *, path=STAFF_LOGIN, address=ADDRESS):
    """One sign-in from a fresh browser at `address` (its own session, as each attempt of an attacker)."""
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


def fail(username, times, *, path=STAFF_LOGIN, address=ADDRESS):
    return [sign_in(username, WRONG, path=path, address=address).status_code for _ in range(times)]


def without_csrf_tokens(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content.decode())


@pytest.mark.django_db
def test_ten_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(department):
    statuses = fail("department", LIMIT)
    response = sign_in("department", PASSWORD)

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert response["Retry-After"] == str(COOLOFF_MINUTES * 60)
    assert "_auth_user_id" not in response.client.session


@pytest.mark.django_db
def test_the_locked_out_page_is_the_sign_in_form_with_one_alert(department):
    fail("department", LIMIT)

    page = sign_in("department", PASSWORD).content.decode()

    assert re.search(
        r'<div class="error-summary" role="alert"[^>]*>.*?' + re.escape(LOCKED_MESSAGE), page, re.S
    )
    assert page.count(LOCKED_MESSAGE) == 1
    assert '<form method="post"' in page and 'name="password"' in page
    assert "Please enter a correct username and password" not in page
    assert 'value="department"' not in page  # nothing typed is shown again


@pytest.mark.django_db
def test_an_address_that_reached_the_limit_is_refused_for_every_account(moderator):
    for number in range(LIMIT):  # one guess each at many accounts
        sign_in(f"guess-{number}", WRONG)

    from_that_address = sign_in("moderator", PASSWORD)
    from_elsewhere = sign_in("moderator", PASSWORD, address=OTHER_ADDRESS)

    assert from_that_address.status_code == 429
    assert LOCKED_MESSAGE in from_that_address.content.decode()
    assert from_elsewhere.status_code == 302
    assert StaffSecurityEvent.objects.filter(kind=StaffSecurityEvent.Kind.ADDRESS_LOCKED_OUT).count() == 1
    assert not StaffSecurityEvent.objects.filter(kind=StaffSecurityEvent.Kind.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_an_ipv6_client_counts_as_its_64_network(moderator):
    for number in range(1, LIMIT + 1):
        sign_in(f"guess-{number}", WRONG, address=f"2001:db8:5:7::{number:x}")

    same_network = sign_in("moderator", PASSWORD, address="2001:db8:5:7::ffff")
    next_network = sign_in("moderator", PASSWORD, address="2001:db8:5:8::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 302


@pytest.mark.django_db
def test_an_account_that_reached_the_limit_is_refused_from_every_address(department):
    statuses = [
        sign_in("department", WRONG, address=f"192.0.2.{number}").status_code for number in range(LIMIT)
    ]

    response = sign_in("department", PASSWORD, address=OTHER_ADDRESS)

    assert statuses[-1] == 429
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_username_that_does_not_exist_gets_exactly_the_same_locked_out_page(department):
    fail("department", LIMIT, address=ADDRESS)
    fail("nobody-by-this-name", LIMIT, address=OTHER_ADDRESS)

    real = sign_in("department", PASSWORD, address="192.0.2.50")
    unknown = sign_in("nobody-by-this-name", PASSWORD, address="192.0.2.51")

    assert real.status_code == unknown.status_code == 429
    assert without_csrf_tokens(real.content) == without_csrf_tokens(unknown.content)


@pytest.mark.django_db
def test_after_the_cooloff_the_right_password_works_again(department):
    assert fail("department", LIMIT)[-1] == 429

    with freeze_time(timezone.now() + timedelta(minutes=COOLOFF_MINUTES + 1)):
        response = sign_in("department", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/staff/"


@pytest.mark.django_db
def test_a_successful_sign_in_starts_the_count_again(department):
    fail("department", LIMIT - 1)
    assert sign_in("department", PASSWORD).status_code == 302

    statuses = fail("department", LIMIT)

    assert statuses == [200] * (LIMIT - 1) + [429]


@pytest.mark.django_db
def test_another_accounts_success_from_the_same_address_does_not_reset_the_count(department, moderator):
    fail("department", LIMIT - 1, address=ADDRESS)
    assert sign_in("moderator", PASSWORD, address=ADDRESS).status_code == 302

    response = sign_in("department", WRONG, address=OTHER_ADDRESS)

    assert response.status_code == 429


@pytest.mark.django_db
def test_the_admin_login_is_throttled_too(db):
    admin = staff_user_ensure(
        username="admin-user",
        email="admin@example.org",
        role=Role.ADMIN,
        password=PASSWORD,
        full_name="Ada Admin",
    )

    statuses = fail("admin-user", LIMIT, path=ADMIN_LOGIN)
    response = sign_in("admin-user", PASSWORD, path=ADMIN_LOGIN)
    page = response.content.decode()

    assert statuses[-1] == 429
    assert response.status_code == 429
    assert re.search(r'<p class="errornote" role="alert"[^>]*>\s*' + re.escape(LOCKED_MESSAGE), page)
    assert 'id="login-form"' in page
    assert sign_in(admin.username, PASSWORD, path=STAFF_LOGIN).status_code == 429  # one count for both


@pytest.mark.django_db
def test_the_account_holder_is_emailed_once_with_no_address_or_password(
    department, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail("department", LIMIT)
        fail("department", 3)  # still trying while locked out
        sign_in("department", PASSWORD)
    (queued,) = DBTaskResult.objects.filter(task_path=EMAIL_TASK)

    sent = send_staff_lockout_email.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    again = send_staff_lockout_email.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])

    assert (sent, again) == (True, False)
    (email,) = mailoutbox
    assert email.to == ["dept@example.org"]
    assert "locked" in email.subject
    text = email.subject + email.body
    assert "department" in text
    assert "wrong password 10 times" in text
    assert "15 minutes after the last attempt" in text
    assert "tell your IT department" in text
    pseudonym = AccessAttempt.objects.values_list("ip_address", flat=True).first()
    for secret in (ADDRESS, pseudonym, WRONG, PASSWORD):
        assert secret not in text
    assert StaffSecurityEvent.objects.get(kind=StaffSecurityEvent.Kind.LOCKED_OUT).notified_at is not None


@pytest.mark.django_db
def test_nobody_is_emailed_when_the_locked_username_has_no_account(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = fail("nobody-by-this-name", LIMIT)

    assert statuses[-1] == 429
    assert not DBTaskResult.objects.filter(task_path=EMAIL_TASK).exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_lockout_is_in_the_audit_trail_and_no_raw_address_is_stored(department):
    fail("department", LIMIT)
    sign_in("department", PASSWORD)  # refused: not a second lockout

    # one attacker at one account from one address reached both limits at once: one event for each
    assert sorted(StaffSecurityEvent.objects.values_list("kind", flat=True)) == [
        "address_locked_out",
        "locked_out",
    ]
    event = StaffSecurityEvent.objects.get(kind=StaffSecurityEvent.Kind.LOCKED_OUT)
    assert event.user == department
    assert event.username == "department"
    assert len(event.network_key) == 32
    for row in StaffSecurityEvent.objects.values_list():
        assert not any(ADDRESS in str(value) for value in row)
    # axes' own rows keep a keyed pseudonym of the address, never the address itself
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert len(addresses) == 1
    assert ADDRESS not in addresses
    assert next(iter(addresses)).startswith("fd")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_locked_out_page_has_no_axe_violations(page, live_server, assert_accessible, department):
    fail("department", LIMIT, address="127.0.0.1")

    page.goto(STAFF_LOGIN)
    page.get_by_label("Username").fill("department")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_role("alert").inner_text().count(LOCKED_MESSAGE) == 1
    assert_accessible(page)
