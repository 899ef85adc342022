"""Passkeys in a real Chromium, with the DevTools protocol's virtual authenticator: a moderator adds one
at their first sign-in, then signs in with password + passkey; the pages have no axe violations."""

import pytest

from civicloop.accounts.models import Passkey, StaffAuditEvent
from civicloop.accounts.tests.test_second_factor_browser import (  # the same moderator and sign-in
    _two_factor_required,  # noqa: F401 (an autouse fixture)
    moderator,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def virtual_authenticator(browser_page):
    """A platform authenticator (like a laptop's fingerprint reader) that always verifies the user."""
    cdp = browser_page.context.new_cdp_session(browser_page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def base64url(text):
    return text.replace("+", "-").replace("/", "_").rstrip("=")


def signed_in(browser_page, username):
    """Password sign-in, then wait for the next page (the click only starts the navigation)."""
    sign_in(browser_page, username)
    browser_page.wait_for_url(lambda url: "/staff/login/" not in url)


def heading(browser_page):
    return browser_page.get_by_role("heading", level=1).inner_text()


def test_a_moderator_adds_a_passkey_then_signs_in_with_it(page, live_server, assert_accessible):
    assert live_server.url.startswith("http://localhost:")  # a secure context, and the passkey's RP id
    mo = moderator()
    cdp, authenticator_id = virtual_authenticator(page)

    signed_in(page, "mo")
    assert heading(page) == "Set up two-factor sign-in"
    page.locator("#passkey-needs-js").wait_for(state="hidden")  # the deferred script has run
    assert_accessible(page)
    page.get_by_label("Passkey name").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()

    page.wait_for_url("**/staff/")
    assert heading(page) == "Staff console"
    assert "Passkey “Work laptop” added" in page.locator(".messages").inner_text()
    passkey = Passkey.objects.get(user=mo)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert [base64url(credential["credentialId"]) for credential in stored] == [passkey.credential_id]

    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url(lambda url: not url.endswith("/staff/"))  # signed out: left the console
    signed_in(page, "mo")
    assert heading(page) == "Sign in with your passkey"
    assert_accessible(page)
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url("**/staff/")
    page.goto("/staff/moderation/")

    assert "/staff/moderation/" in page.url
    assert "/two-factor/" not in page.url
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert StaffAuditEvent.objects.filter(
        actor=mo, kind=StaffAuditEvent.Kind.SECOND_FACTOR_VERIFIED, target=f"passkey={passkey.pk}"
    ).exists()

    # The passkey is listed on the two-factor page; this laptop cannot hold a second one.
    page.goto("/staff/two-factor/setup/")
    assert page.get_by_role("cell", name="Work laptop", exact=True).is_visible()
    page.get_by_role("button", name="Add a passkey").click()
    summary = page.locator("#passkey-error")
    summary.wait_for(state="visible")
    assert "This device already holds one of your passkeys." in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert Passkey.objects.filter(user=mo).count() == 1
    assert_accessible(page)


def test_without_javascript_the_pages_say_passkeys_need_it(chromium, live_server):
    mo = moderator()
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    browser_page = context.new_page()
    try:
        signed_in(browser_page, "mo")
        browser_page.get_by_text("Passkeys need JavaScript").wait_for()
        assert browser_page.get_by_role("button", name="Add a passkey").is_hidden()
        assert browser_page.get_by_label("6-digit code").is_visible()

        Passkey.objects.create(user=mo, name="Laptop", credential_id="abc", public_key=b"\x00")
        context.clear_cookies()
        signed_in(browser_page, "mo")
        assert heading(browser_page) == "Sign in with your passkey"
        browser_page.get_by_text("Passkeys need JavaScript").wait_for()
        assert browser_page.get_by_role("button", name="Use your passkey").is_hidden()
    finally:
        context.close()
