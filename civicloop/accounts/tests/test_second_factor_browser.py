"""Two-factor sign-in in a real browser: set up without JavaScript, and no axe violations (WCAG 2.2 AA)."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-1"


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ("admin", "moderator")


def moderator(username="mo"):
    return staff_user_ensure(
        username=username,
        email=f"{username}@example.org",
        role=Role.MODERATOR,
        password=PASSWORD,
        full_name="Mo Mod",
    )


def sign_in(browser_page, username):
    browser_page.goto("/staff/login/")
    browser_page.get_by_label("Username").fill(username)
    browser_page.get_by_label("Password").fill(PASSWORD)
    browser_page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_moderator_sets_up_the_app_without_javascript(chromium, live_server):
    moderator()
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    browser_page = context.new_page()
    try:
        sign_in(browser_page, "mo")
        assert browser_page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
        key = b32decode(browser_page.locator("#setup-key").inner_text().replace(" ", ""))
        browser_page.get_by_label("6-digit code").fill(f"{TOTP(key).token():06d}")
        browser_page.get_by_role("button", name="Confirm and continue").click()

        assert browser_page.get_by_role("heading", level=1).inner_text() == "Staff console"
    finally:
        context.close()


def test_the_two_factor_pages_have_no_axe_violations(page, live_server, assert_accessible):
    moderator("new")
    TOTPDevice.objects.create(user=moderator("enrolled"), name="Phone", confirmed=True)

    sign_in(page, "new")
    assert "/staff/two-factor/setup/" in page.url
    assert_accessible(page)
    page.get_by_label("6-digit code").fill("123")
    page.get_by_role("button", name="Confirm and continue").click()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, "enrolled")
    assert "/staff/two-factor/?" in page.url
    assert_accessible(page)


def test_the_audit_log_page_has_no_axe_violations(page, live_server, assert_accessible, settings):
    from civicloop.accounts.models import StaffAuditEvent
    from civicloop.accounts.services import staff_audit_record
    from civicloop.conftest import login_in_browser

    settings.STAFF_2FA_REQUIRED_ROLES = ()
    admin = staff_user_ensure(
        username="ada", email="ada@example.org", role=Role.ADMIN, password=PASSWORD, full_name="Ada Admin"
    )
    for number in range(60):
        staff_audit_record(
            kind=StaffAuditEvent.Kind.CHANGE, actor=admin, method="POST", route=f"staff:r{number}"
        )
    login_in_browser(page, live_server, admin)

    page.goto("/staff/audit/?actor=ada")

    assert page.get_by_role("table").locator("tbody tr").count() == 50
    assert_accessible(page)
