"""WCAG 2.2 AA: axe-core in headless Chromium over the directory's pages, in English and Spanish."""

from typing import Any

import pytest

from civicloop.directory.tests.factories import make_entry, make_life_event, make_location
from civicloop.topics.models import Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def directory(transactional_db):  # type: ignore[no-untyped-def]
    housing = Topic.objects.create(slug="housing", name_en="Housing", name_es="Vivienda")
    card = make_entry(phone="311", in_person=True, languages_offered=["en", "es", "pl"], topic=housing)
    card.locations.add(make_location())
    english_only = make_entry("smoke-alarms", name="Free smoke alarms", spanish=None)
    steps: list[dict[str, Any]] = [
        {"title": {"en": "Get a card", "es": "Obtenga una tarjeta"}, "tasks": [card], "relation": "or"},
        {"title": {"en": "Stay safe"}, "tasks": [english_only], "optional": True},
    ]
    make_life_event("moving-to-chicago", title="Moving to Chicago", steps=steps)


PATHS = [
    "/services/",
    "/services/?q=library",
    "/services/?q=%21%21%21",
    "/services/?topic=housing",
    "/services/library-card/",
    "/services/smoke-alarms/",
    "/services/life-events/",
    "/services/life-events/moving-to-chicago/",
]


@pytest.mark.parametrize("language", ["en", "es", "ar", "zh-hans"])
def test_directory_pages_have_no_axe_violations(page, live_server, directory, assert_accessible, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for path in PATHS:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        assert page.locator("h1").count() == 1
        assert_accessible(page)
