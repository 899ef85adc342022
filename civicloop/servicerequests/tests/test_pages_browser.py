"""The resident 311 pages in a real browser (Debian Chromium): axe-core WCAG 2.2 AA, without JavaScript of ours."""

import pytest
from django.core.cache import cache

from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service
from civicloop.servicerequests.services import RequestInput, service_request_create, services_load
from civicloop.topics.services import topics_ensure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("civicloop.servicerequests.tests.web_urls"),
]


@pytest.fixture
def pothole():  # type: ignore[no-untyped-def]
    cache.clear()
    community_area_index_clear()
    topics_ensure()
    community_areas_load()
    services_load()
    yield Service.objects.get(name="Pothole in Street Complaint")
    cache.clear()
    community_area_index_clear()


def test_finding_a_service_and_its_form_with_errors_pass_axe(page, pothole, assert_accessible):
    page.goto("/requests/new/")
    assert_accessible(page)

    page.get_by_label("What is the problem?").fill("bache")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Pothole in Street Complaint").click()
    page.wait_for_url(f"**/requests/new/{pothole.code}/")
    assert_accessible(page)

    page.get_by_role("button", name="Send request").click()
    page.wait_for_selector("#error-summary")
    assert page.locator("#error-summary li").count() == 2  # the required question and the location
    assert_accessible(page)


def test_filing_then_tracking_and_browsing_pass_axe(page, pothole, assert_accessible):
    page.goto(f"/requests/new/{pothole.code}/")
    page.get_by_label("In a traffic lane").check()
    page.get_by_label("Street address").fill("1800 S Blue Island Ave")
    page.get_by_label("Describe the problem").fill("Deep hole; call 312-555-0123")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_selector("text=Timeline")
    assert "555-0123" not in page.content()
    assert_accessible(page)

    service_request_create(
        data=RequestInput(
            service_code=pothole.code,
            latitude="41.8575",
            longitude="-87.6563",
            attributes={"WHEREIST": ["CURB"]},
        )
    )
    page.goto("/requests/")
    assert page.locator("li.card").count() == 2
    assert_accessible(page)
