import logging
import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags that work on a machine with no network but loopback (see shared/standards).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(autouse=True)
def _english_by_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _process_memos_forgotten() -> None:
    """No test reads another test's rows from a per-process cache (core.memo)."""
    from civicloop.core.memo import memos_forget

    memos_forget()


@pytest.fixture(autouse=True)
def _opendata_root_per_test(settings: Any, tmp_path_factory: Any) -> None:
    """Each test writes open-data exports to its own folder, never to var/opendata/."""
    settings.OPENDATA_ROOT = tmp_path_factory.mktemp("opendata")


# ------------------------------------------------------------------------------------------------------------
# No contact detail in any log line (issue 15): every line the test run logs, as the console handler would
# write it, is scanned after each test; a line with an email address or a phone number fails that test.

_LOGGED_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A 311 request's public number ("26-99999999", in logged paths) reads as a valid US number to the matcher.
_REQUEST_NUMBER = re.compile(r"[0-9]{2}-[0-9]{8}")


class _LogLines(logging.Handler):
    """Keeps what the configured console handler writes: the same filters, then message and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        from civicloop.core.log_redaction import RedactSecrets
        from civicloop.core.logs import MaskContactDetails

        # Applied in emit, not as this handler's filters: tests look for the console handler by its filters.
        self.console_filters = (RedactSecrets(), MaskContactDetails())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            for console_filter in self.console_filters:
                console_filter.filter(record)
            self.lines.append(f"{record.getMessage()}\n{record.exc_text or ''}")
        except Exception:  # a broken format string is the logging module's own error, not a leak
            self.handleError(record)


@pytest.fixture(scope="session")
def _log_lines() -> Iterator[_LogLines]:
    handler = _LogLines()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def log_contact_details(lines: list[str]) -> list[str]:
    """The email addresses and phone numbers (libphonenumber's matcher, US) found in log lines."""
    import phonenumbers

    found: list[str] = []
    for line in lines:
        found += _LOGGED_EMAIL.findall(line)
        found += [
            match.raw_string
            for match in phonenumbers.PhoneNumberMatcher(line, "US")
            if not _REQUEST_NUMBER.fullmatch(match.raw_string)
        ]
    return found


@pytest.fixture(autouse=True)
def _no_contact_details_logged(_log_lines: _LogLines) -> Iterator[None]:
    root = logging.getLogger()
    if _log_lines not in root.handlers:  # a test that ran django.setup() again configured logging anew
        root.addHandler(_log_lines)
    _log_lines.lines.clear()
    yield
    found = log_contact_details(_log_lines.lines)
    _log_lines.lines.clear()
    if found:
        pytest.fail(f"the logs of this test hold contact details: {sorted(set(found))}", pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; CI must have it, a laptop may skip."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    browser_page = context.new_page()
    browser_page.set_default_timeout(10_000)
    yield browser_page
    context.close()


@pytest.fixture(scope="session")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe: Any) -> Any:
    """Run axe-core with the WCAG 2.2 AA rule set and fail with its report on any violation."""

    def check(browser_page: Any) -> None:
        results = axe.run(browser_page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert results.violations_count == 0, f"{browser_page.url}\n{results.generate_report()}"

    return check


def login_in_browser(browser_page: Any, live_server: Any, user: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    browser_page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


# The city's Mastodon and Bluesky accounts, on local servers speaking each network's protocol.
SOCIAL_SITE = "https://www.chicago.gov"


@pytest.fixture
def mastodon() -> Iterator[Any]:
    from civicloop.integrations.tests.fake_mastodon import FakeMastodon

    with FakeMastodon() as server:
        yield server


@pytest.fixture
def pds() -> Iterator[Any]:
    from civicloop.integrations.social.bluesky import forget_sessions
    from civicloop.integrations.tests.fake_bluesky import FakeBlueskyPds

    forget_sessions()
    with FakeBlueskyPds() as server:
        yield server
    forget_sessions()


@pytest.fixture
def networks(settings: Any, mastodon: Any, pds: Any) -> Any:
    """The city's accounts, on local servers."""
    settings.SITE_URL = SOCIAL_SITE
    settings.MASTODON_BASE_URL = mastodon.url
    settings.MASTODON_ACCESS_TOKEN = mastodon.access_token
    settings.BLUESKY_PDS_URL = pds.url
    settings.BLUESKY_HANDLE = pds.handle
    settings.BLUESKY_APP_PASSWORD = pds.app_password
    return settings
