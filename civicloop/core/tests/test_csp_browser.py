"""The Content-Security-Policy in a real browser (issue 23): Chromium enforces the policy the site sends,
no page breaks it (no blocked inline script, event handler, style attribute or outside resource), and the
site's own scripts and Django's admin still run under it. The pages come from the demo city."""

from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.announcements.models import Announcement
from civicloop.conftest import login_in_browser
from civicloop.engage.models import Idea, Question
from civicloop.places.selectors import community_area_index_clear
from civicloop.servicerequests.models import ServiceRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts (Playwright injects it through the DevTools protocol, which the
# policy does not govern): every violation the page causes is kept for the test to read.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def demo_city(live_server: Any) -> Any:
    cache.clear()
    community_area_index_clear()
    call_command("demo", verbosity=0)
    # A send in progress, so the delivery page's script has updates to fetch.
    from civicloop.delivery.fanout import announcement_fan_out
    from civicloop.delivery.services import announcement_message_ensure

    announcement = Announcement.objects.filter(status="published").order_by("pk").first()
    assert announcement is not None
    message, _ = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    # A resident's photo on the request's pages (the file itself is not served with DEBUG off).
    request = ServiceRequest.objects.order_by("pk").first()
    assert request is not None
    ServiceRequest.objects.filter(pk=request.pk).update(photo="requests/2026/01/pothole.jpg")
    yield {
        "announcement": announcement,
        "request": request,
        "question": Question.objects.get(is_jam=False),
        "jam": Question.objects.get(is_jam=True),
        "idea": Idea.objects.filter(title="Posters at CTA stops").get(),
        "admin": User.objects.get(username="admin"),
    }
    cache.clear()
    community_area_index_clear()


class Watcher:
    """A browser tab that records Content-Security-Policy violations, from the console and the DOM."""

    def __init__(self, chromium: Any, live_server: Any) -> None:
        self.context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
        self.context.add_init_script(COLLECT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def visit(self, path: str) -> Any:
        self.console.clear()
        response = self.page.goto(path)
        assert response is not None and response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, (path, policy)
        return self.page

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__cspViolations")
        return found + self.console

    def assert_clean(self) -> None:
        self.page.wait_for_load_state("load")
        assert self.violations() == [], self.page.url


def test_the_policy_is_enforced_and_the_listener_sees_violations(chromium, live_server, transactional_db):
    watcher = Watcher(chromium, live_server)
    watcher.visit("/")
    # Markup a policy must refuse, as an injection would add it: a style attribute and an inline script.
    watcher.page.evaluate(
        """() => {
          const box = document.createElement("div");
          box.innerHTML = '<p style="color: red">x</p>';
          document.body.append(box);
          const script = document.createElement("script");
          script.textContent = "window.__injected = true";
          document.body.append(script);
        }"""
    )
    watcher.page.wait_for_function("window.__cspViolations.length >= 2")
    assert watcher.page.evaluate("window.__injected") is None
    assert watcher.page.evaluate("getComputedStyle(document.querySelector('body > div > p')).color") != (
        "rgb(255, 0, 0)"
    )
    found = " ".join(watcher.violations())
    assert "style-src" in found and "script-src" in found
    watcher.context.close()


def test_public_pages_break_no_rule_of_the_policy(chromium, live_server, demo_city):
    watcher = Watcher(chromium, live_server)
    for path in [
        "/",
        "/announcements/",
        demo_city["announcement"].get_absolute_url(),
        "/subscribe/",
        "/requests/",
        "/requests/new/",
        demo_city["request"].get_absolute_url(),
        "/ideas/",
        demo_city["question"].get_absolute_url(),
        demo_city["idea"].get_absolute_url(),
    ]:
        watcher.visit(path)
        watcher.assert_clean()
    watcher.context.close()


def test_staff_pages_and_the_site_s_scripts_run_under_the_policy(chromium, live_server, demo_city):
    watcher = Watcher(chromium, live_server)
    login_in_browser(watcher.page, live_server, demo_city["admin"])
    page = watcher.page

    for path in [
        "/staff/",
        "/staff/announcements/new/",
        f"/staff/announcements/{demo_city['announcement'].pk}/",
    ]:
        watcher.visit(path)
        watcher.assert_clean()

    # delivery-progress.js: adds a pause button and fetches fresh counts every 3 seconds.
    delivery = f"/staff/announcements/{demo_city['announcement'].pk}/delivery/"
    with page.expect_response(lambda r: r.url.endswith(delivery) and r.request.resource_type == "fetch"):
        watcher.visit(delivery)
        page.get_by_role("button", name="Pause updates").wait_for()
    watcher.assert_clean()

    # jam-live.js: adds a pause button; resuming fetches the latest posts at once.
    watcher.visit(demo_city["jam"].get_absolute_url())
    pause = page.locator("#jam-live").get_by_role("button", name="Pause live updates")
    pause.click()
    resume = page.locator("#jam-live").get_by_role("button", name="Resume live updates")
    with page.expect_response(lambda r: "/live/" in r.url and r.request.resource_type == "fetch"):
        resume.click()
    page.locator("#jam-live").get_by_role("button", name="Pause live updates").wait_for()
    watcher.assert_clean()

    # similar-ideas.js: hides the no-JavaScript button and shows similar ideas while one types.
    watcher.visit(f"{demo_city['question'].get_absolute_url()}new/")
    assert page.locator("#check-similar").is_hidden()
    page.get_by_label("Title").press_sequentially("Posters with QR codes at bus stops", delay=20)
    page.locator("#similar-ideas").get_by_role("link", name="Posters at CTA stops").wait_for()
    watcher.assert_clean()

    request_page = reverse("staff:request-detail", args=[demo_city["request"].public_id])
    for path in ["/staff/requests/", request_page, "/staff/moderation/", "/staff/moderation/log/"]:
        watcher.visit(path)
        watcher.assert_clean()

    # Django's admin: its index, and a change form whose date widgets its scripts build.
    watcher.visit("/staff/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()
    watcher.assert_clean()
    watcher.visit(f"/staff/admin/accounts/user/{demo_city['admin'].pk}/change/")
    page.locator(".datetimeshortcuts").first.wait_for()
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    watcher.assert_clean()
    watcher.context.close()
