"""The assistant on the web in a real Chromium: a question answered, keyboard only, accessible, no CSP issue."""

import pytest

from civicloop.assistant.tests.test_knowledge import SMALL, demo_entries
from civicloop.core.tests.test_csp_browser import COLLECT_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spanish_faq(monkeypatch):
    from civicloop.assistant import selectors
    from civicloop.assistant.services.knowledge import faq_import
    from civicloop.moderation import checks

    def unavailable(texts):
        raise OSError("keywords only: fast and deterministic")

    monkeypatch.setattr(checks, "text_embed", unavailable)
    selectors.faq_index_forget()
    faq_import(demo_entries(SMALL))
    yield
    selectors.faq_index_forget()


def test_a_spanish_speaker_asks_on_the_web_and_gets_the_answer(
    page, live_server, settings, spanish_faq, assert_accessible
):
    settings.SITE_URL = live_server.url  # the answer's link to the whole entry
    page.context.add_init_script(COLLECT_VIOLATIONS)
    page.goto("/assistant/")
    assert_accessible(page)

    page.get_by_label("Your question").fill("cuando recogen la basura en mi casa")
    page.keyboard.press("Enter")

    answer = page.locator("#latest")
    assert "basura" in answer.inner_text()
    assert answer.locator("a[href*='/assistant/faq/garbage-day-es/']").count() == 1
    assert_accessible(page)
    answer.locator("a").first.click()
    assert "basura" in page.locator("h1").inner_text().lower()
    assert page.evaluate("window.__cspViolations") == []


def test_a_spanish_speaker_reports_a_pothole_in_the_web_chat_and_gets_the_number(
    page, live_server, settings, spanish_faq, assert_accessible
):
    from civicloop.places.services import community_areas_load
    from civicloop.servicerequests.models import ServiceRequest
    from civicloop.servicerequests.services import services_load
    from civicloop.topics.services import topics_ensure

    topics_ensure()
    community_areas_load()
    services_load()
    settings.SITE_URL = live_server.url
    page.goto("/assistant/")
    exchanges = ["hay un bache en la calle 35 y Halsted", "1", "omitir", "ayer"]
    for message in exchanges:
        page.get_by_label("Your question").fill(message)
        page.keyboard.press("Enter")
        page.locator("#latest").wait_for()

    request = ServiceRequest.objects.get()
    latest = page.locator("#latest").inner_text()
    assert len(exchanges) <= 5 and request.public_id in latest and "Gracias" in latest
    assert request.channel == "web" and request.community_area is not None
    assert request.community_area.name == "Bridgeport" and request.language == "es"
    assert_accessible(page)
    page.locator("#latest a").first.click()
    assert request.public_id in page.locator("h1").inner_text() or request.public_id in page.content()
