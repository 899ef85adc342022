"""Content-Security-Policy (issue 23): the header on every page, report-only mode, and page templates
free of what the policy blocks (inline script, event handlers, style attributes)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.tests.factories import make_announcement

REQUIRED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*")
PUBLIC_PATHS = ["/", "/announcements/", "/subscribe/", "/requests/", "/requests/new/", "/ideas/"]
PUBLIC_PATHS += ["/code-of-conduct/", "/staff/login/", "/no-such-page/"]
STAFF_PATHS = ["/staff/", "/staff/announcements/", "/staff/announcements/new/", "/staff/requests/"]
STAFF_PATHS += ["/staff/moderation/", "/staff/engage/", "/staff/admin/", "/staff/admin/accounts/user/"]


def directives(header: str) -> dict[str, set[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


def assert_strict(header: str) -> None:
    policy = directives(header)
    assert policy == REQUIRED, header
    assert not any(value in UNSAFE for values in policy.values() for value in values), header


@pytest.fixture
def staff_client(db):
    admin = staff_user_ensure(
        username="alex", email="a@example.org", role=Role.ADMIN, password="pw-long-enough-1", full_name="A N"
    )
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_every_html_page_sends_the_strict_policy(client, staff_client):
    announcement = make_announcement(title="Budget town hall")
    for path in [*PUBLIC_PATHS, announcement.get_absolute_url()]:
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html"), path
        assert "Content-Security-Policy" in response, path
        assert_strict(response["Content-Security-Policy"])
        assert "Content-Security-Policy-Report-Only" not in response, path
    for path in [*STAFF_PATHS, f"/staff/admin/accounts/user/{staff_client.session['_auth_user_id']}/change/"]:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert_strict(response["Content-Security-Policy"])


@pytest.mark.django_db
def test_report_only_mode_sends_the_same_policy_under_the_report_only_header(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None

    response = client.get("/")

    assert "Content-Security-Policy" not in response
    assert_strict(response["Content-Security-Policy-Report-Only"])


SETTINGS_SNIPPET = (
    "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'civicloop.test_settings'; "
    "from django.conf import settings; "
    "print(bool(settings.CONTENT_SECURITY_POLICY), bool(settings.CONTENT_SECURITY_POLICY_REPORT_ONLY))"
)


@pytest.mark.parametrize(
    ("value", "expected"), [("", "True False"), ("0", "True False"), ("1", "False True")]
)
def test_the_csp_report_only_variable_moves_the_policy_to_the_report_only_setting(value, expected):
    env = {**os.environ, "CSP_REPORT_ONLY": value, "CIVICLOOP_VAR_DIR": str(django_settings.VAR_DIR)}
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_SNIPPET], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == expected


def page_templates() -> list[Path]:
    """Templates served as web pages: every app's templates but the emails (inline styles are fine there)."""
    root = Path(django_settings.BASE_DIR)
    return [
        path
        for path in sorted(root.glob("**/templates/**/*.html"))
        if "email" not in path.relative_to(root).parts
    ]


BLOCKED = [
    (re.compile(r"\sstyle\s*="), "a style attribute (style-src 'self')"),
    (re.compile(r"<style[\s>]"), "a <style> element (style-src 'self')"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"), "an inline <script> (script-src 'self')"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an inline event handler (script-src 'self')"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL (script-src 'self')"),
]


def test_page_templates_have_nothing_the_policy_blocks():
    templates = page_templates()
    assert len(templates) > 40
    found = [
        f"{path.relative_to(django_settings.BASE_DIR)}:{number}: {why}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for pattern, why in BLOCKED
        if pattern.search(line)
    ]
    assert found == []
