"""The dashboard and an area page in a real browser: axe-core finds no WCAG 2.2 AA violation."""

from typing import Any

import pytest

from civicloop.insights.services import insights_refresh
from civicloop.insights.tests.conftest import City


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_insights_and_an_area_page_are_accessible(city: City, page: Any, assert_accessible: Any) -> None:
    insights_refresh()

    page.goto("/insights/")
    assert page.get_by_role("img", name="Participants per 1,000 residents by community area").is_visible()
    assert_accessible(page)

    page.goto("/areas/north-side/")
    assert page.get_by_role("heading", name="North Side", level=1).is_visible()
    assert_accessible(page)
