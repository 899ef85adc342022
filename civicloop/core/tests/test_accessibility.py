"""WCAG 2.2 AA: axe-core in headless Chromium over every public page and the staff composer."""

import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic
from civicloop.conftest import login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db):
    topic = make_topic()
    area = make_area()
    alert = make_announcement(title="Extreme cold warning", kind=Kind.ALERT, topics=[topic])
    event = make_announcement(title="Budget town hall", kind=Kind.EVENT, topics=[topic], areas=[area])
    english_only = make_announcement(title="Job fair", spanish=None, topics=[topic])
    return {"alert": alert, "event": event, "english_only": english_only, "topic": topic, "area": area}


def public_paths(city):
    return [
        "/",
        "/announcements/",
        f"/announcements/?topic={city['topic'].slug}&area={city['area'].slug}&kind=event&lang=es",
        "/announcements/?q=nothing-matches-this",
        f"/announcements/{city['alert'].slug}/",
        f"/announcements/{city['event'].slug}/",
        f"/announcements/{city['english_only'].slug}/",
        "/staff/login/",
        "/no-such-page/",
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_public_pages_have_no_axe_violations(page, live_server, city, assert_accessible, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for path in public_paths(city):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)


def test_staff_composer_has_no_axe_violations(page, live_server, city, assert_accessible):
    comms = staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password="pw-long-enough-1",
        full_name="Carmen O",
    )
    login_in_browser(page, live_server, comms)

    from civicloop.delivery.fanout import announcement_fan_out
    from civicloop.delivery.services import announcement_message_ensure
    from civicloop.delivery.tests.factories import make_subscriber

    make_subscriber(email="reader@example.org", phone="+13125550199", language="es")
    message, _ = announcement_message_ensure(announcement=city["alert"])
    announcement_fan_out(message=message)
    for path in [
        "/staff/",
        "/staff/announcements/",
        "/staff/announcements/new/",
        f"/staff/announcements/{city['event'].pk}/",
        f"/staff/announcements/{city['alert'].pk}/delivery/",
    ]:
        page.goto(path)
        assert_accessible(page)

    # the preview (readability grades) and the error summary are pages too
    page.goto("/staff/announcements/new/")
    page.get_by_label("Program").check()
    page.get_by_label("Title (English)").fill("Free trees")
    page.get_by_label("Text (English, Markdown)").fill("Ask for a **free** tree.")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Readability").first.wait_for()  # the click only starts the navigation
    assert page.get_by_text("Readability").count() >= 1
    assert_accessible(page)
    page.get_by_label("Title (English)").fill("")
    page.get_by_role("button", name="Save draft").click()
    page.locator("#error-summary").wait_for()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page)


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page, city):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible()  # a focused skip link must be seen

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_work_without_javascript(chromium, live_server, city):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    no_js = context.new_page()
    no_js.goto("/announcements/")
    no_js.select_option("#filter-kind", "event")
    no_js.get_by_role("button", name="Apply filters").click()
    # The click only starts the navigation: wait for the filtered page's content, then the Spanish page.
    no_js.get_by_role("link", name="Budget town hall").wait_for()
    assert "kind=event" in no_js.url
    no_js.get_by_label("Language").select_option("es")
    no_js.get_by_role("button", name="Change").click()
    no_js.locator("html[lang=es]").wait_for(state="attached")
    assert no_js.locator("html").get_attribute("lang") == "es"
    context.close()
