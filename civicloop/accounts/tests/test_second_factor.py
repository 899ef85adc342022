"""Two-factor sign-in (TOTP) for password sign-ins: required for admins and moderators, optional for others."""

import re
from base64 import b32decode

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicloop.accounts.models import Role, StaffAuditEvent
from civicloop.accounts.services import staff_user_ensure

PASSWORD = "a-long-test-password-1"


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ("admin", "moderator")


def make_staff(role, username=None):
    return staff_user_ensure(
        username=username or f"user-{role}",
        email=f"{role}@example.org",
        role=role,
        password=PASSWORD,
        full_name="Test Person",
    )


def with_device(user):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def code_for(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def password_sign_in(client, user):
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.mark.django_db
def test_a_moderator_signs_in_with_a_totp_code(client):
    moderator = make_staff(Role.MODERATOR)
    device = with_device(moderator)
    password_sign_in(client, moderator)

    asked = client.get("/staff/moderation/")
    page = client.get(asked["Location"])
    done = client.post(asked["Location"], {"token": code_for(device.bin_key), "next": "/staff/moderation/"})

    assert asked.status_code == 302
    assert asked["Location"] == "/staff/two-factor/?next=%2Fstaff%2Fmoderation%2F"
    assert 'autocomplete="one-time-code"' in page.content.decode()
    assert 'inputmode="numeric"' in page.content.decode()
    assert done.status_code == 302
    assert done["Location"] == "/staff/moderation/"
    assert client.get("/staff/moderation/").status_code == 200
    assert StaffAuditEvent.objects.filter(
        actor=moderator, kind=StaffAuditEvent.Kind.SECOND_FACTOR_VERIFIED
    ).exists()


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_the_next_try_must_wait(client):
    moderator = make_staff(Role.MODERATOR)
    device = with_device(moderator)
    password_sign_in(client, moderator)

    wrong = client.post(
        "/staff/two-factor/", {"token": "000000" if code_for(device.bin_key) != "000000" else "111111"}
    )
    too_soon = client.post("/staff/two-factor/", {"token": code_for(device.bin_key)})

    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert "Too many wrong codes" in too_soon.content.decode()
    assert client.get("/staff/moderation/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert (
        StaffAuditEvent.objects.filter(
            actor=moderator, kind=StaffAuditEvent.Kind.SECOND_FACTOR_FAILED
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_an_admin_without_an_app_sets_one_up_before_anything_else(client):
    admin = make_staff(Role.ADMIN)
    password_sign_in(client, admin)

    sent = client.get("/staff/admin/")
    setup = client.get(sent["Location"])
    html = setup.content.decode()
    shown = re.search(r'<code id="setup-key"[^>]*>([A-Z2-7 ]+)</code>', html)
    assert shown is not None
    secret = "".join(shown.group(1).split())
    confirmed = client.post(sent["Location"], {"token": code_for(b32decode(secret)), "next": "/staff/admin/"})

    assert sent["Location"] == "/staff/two-factor/setup/?next=%2Fstaff%2Fadmin%2F"
    assert 'src="data:image/svg+xml' in html
    assert confirmed["Location"] == "/staff/admin/"
    assert client.get("/staff/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=admin).confirmed


@pytest.mark.django_db
def test_a_wrong_first_code_does_not_confirm_the_app(client):
    admin = make_staff(Role.ADMIN)
    password_sign_in(client, admin)
    client.get("/staff/two-factor/setup/")

    response = client.post("/staff/two-factor/setup/", {"token": "12345x"})

    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
def test_a_password_alone_cannot_add_a_second_app(client):
    moderator = make_staff(Role.MODERATOR)
    with_device(moderator)
    password_sign_in(client, moderator)

    response = client.get("/staff/two-factor/setup/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/two-factor/?")
    assert TOTPDevice.objects.filter(user=moderator).count() == 1


@pytest.mark.django_db
def test_unverified_staff_cannot_change_anything(client):
    moderator = make_staff(Role.MODERATOR)
    with_device(moderator)
    password_sign_in(client, moderator)

    response = client.post("/staff/moderation/1/", {"action": "remove"})

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/two-factor/")
    assert not StaffAuditEvent.objects.filter(kind=StaffAuditEvent.Kind.CHANGE).exists()


@pytest.mark.django_db
def test_other_roles_need_no_code_until_they_set_one_up(client):
    department = make_staff(Role.DEPARTMENT)
    password_sign_in(client, department)
    assert client.get("/staff/").status_code == 200

    with_device(department)
    client.post("/staff/logout/")
    password_sign_in(client, department)

    assert client.get("/staff/")["Location"].startswith("/staff/two-factor/")


@pytest.mark.django_db
def test_next_never_leaves_the_site(client):
    moderator = make_staff(Role.MODERATOR)
    device = with_device(moderator)
    password_sign_in(client, moderator)

    response = client.post(
        "/staff/two-factor/", {"token": code_for(device.bin_key), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/staff/"


@pytest.mark.django_db
def test_the_reset_command_removes_a_lost_phone(client):
    moderator = make_staff(Role.MODERATOR)
    with_device(moderator)

    call_command("staff_2fa_reset", moderator.username)
    password_sign_in(client, moderator)

    assert not TOTPDevice.objects.filter(user=moderator).exists()
    assert client.get("/staff/")["Location"].startswith("/staff/two-factor/setup/")
    assert StaffAuditEvent.objects.filter(kind=StaffAuditEvent.Kind.SECOND_FACTOR_RESET).exists()


@pytest.mark.django_db
def test_an_admin_resets_a_colleagues_app_in_the_admin_site(client, settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ()
    admin = make_staff(Role.ADMIN)
    moderator = make_staff(Role.MODERATOR)
    with_device(moderator)
    client.force_login(admin)

    response = client.post(
        "/staff/admin/accounts/user/",
        {"action": "second_factor_reset_action", "_selected_action": [moderator.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=moderator).exists()
    event = StaffAuditEvent.objects.get(kind=StaffAuditEvent.Kind.SECOND_FACTOR_RESET)
    assert (event.actor, event.target) == (admin, f"user={moderator.username}")


@pytest.mark.django_db
def test_the_admin_site_never_shows_a_colleagues_secret(client, settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ()
    client.force_login(make_staff(Role.ADMIN))
    device = with_device(make_staff(Role.MODERATOR))

    change_page = client.get(f"/staff/admin/otp_totp/totpdevice/{device.pk}/change/")

    assert change_page.status_code == 200
    assert device.key not in change_page.content.decode()
    assert client.get(f"/staff/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
