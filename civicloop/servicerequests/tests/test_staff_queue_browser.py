"""The staff 311 queue in a real browser (Debian Chromium): axe-core WCAG 2.2 AA, and it works without JavaScript."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.conftest import login_in_browser
from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import RequestInput, service_request_create, services_load
from civicloop.topics.services import topics_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    community_area_index_clear()
    topics_ensure()
    community_areas_load()
    services_load()
    pothole = Service.objects.get(name="Pothole in Street Complaint")

    def file(days_ago: int, **contact: str) -> ServiceRequest:
        return service_request_create(
            data=RequestInput(
                service_code=pothole.code,
                latitude="41.8575",
                longitude="-87.6563",
                attributes={"WHEREIST": ["TRAFFIC"]},
                description="Deep hole <by the school>",
                **contact,
            ),
            now=timezone.now() - timedelta(days=days_ago),
        )

    requests: dict[str, object] = {
        "late": file(20, email="pat@example.org"),
        "fresh": file(1),
        "other": file(2),
    }
    staff = staff_user_ensure(
        username="rosa",
        email="rosa@city.example",
        role=Role.DEPARTMENT,
        password="pw-long-enough-1",
        full_name="Rosa Vega",
    )
    staff.department = "Transportation"
    staff.save(update_fields=["department"])
    yield {**requests, "staff": staff}
    community_area_index_clear()


def test_the_queue_and_a_request_page_pass_axe_with_and_without_errors(
    page, live_server, queue, assert_accessible
):
    login_in_browser(page, live_server, queue["staff"])
    page.goto("/staff/requests/")
    assert page.get_by_role("heading", name="Service request queue: Transportation").is_visible()
    assert page.get_by_text("1 open request is past its SLA deadline.").is_visible()
    assert page.locator("tr.overdue").count() == 1
    assert page.locator("tr.overdue .tag-overdue").inner_text() == "Overdue"
    assert_accessible(page)

    page.get_by_role("button", name="Close ticked requests").click()
    page.wait_for_selector("#error-summary")
    assert page.locator("#error-summary").inner_text().count("Tick at least one request to close.") == 1
    assert_accessible(page)

    page.get_by_role("link", name=queue["late"].public_id).click()
    page.wait_for_url(f"**/staff/requests/{queue['late'].public_id}/")
    assert page.get_by_text("pat@example.org").first.is_visible()
    assert page.get_by_text("Deep hole <by the school>").is_visible()
    assert_accessible(page)

    page.get_by_label("Request number it duplicates").fill(queue["late"].public_id)
    page.get_by_role("button", name="Mark as a duplicate").click()
    page.wait_for_selector("#error-summary")
    assert "A request cannot be a duplicate of itself." in page.locator("#error-summary").inner_text()
    assert_accessible(page)


def test_staff_work_the_queue_without_javascript(chromium, live_server, queue):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    no_script = context.new_page()
    no_script.set_default_timeout(10_000)
    login_in_browser(no_script, live_server, queue["staff"])
    try:
        no_script.goto("/staff/requests/")
        no_script.get_by_label("Sort by").select_option("newest")
        no_script.get_by_role("button", name="Show").click()
        no_script.wait_for_url("**/staff/requests/?*sort=newest*")
        no_script.get_by_label(f"Close request {queue['fresh'].public_id}").check()
        no_script.get_by_label(f"Close request {queue['other'].public_id}").check()
        no_script.get_by_label("Note to residents").fill("Filled this morning")
        no_script.get_by_role("button", name="Close ticked requests").click()
        no_script.wait_for_selector("text=2 requests closed.")
        assert no_script.get_by_label("Sort by").input_value() == "newest"

        no_script.goto(f"/staff/requests/{queue['late'].public_id}/")
        no_script.get_by_label("Assign to").select_option(label="Rosa Vega")
        no_script.get_by_role("button", name="Save assignment").click()
        no_script.wait_for_selector("text=Assigned to Rosa Vega.")
        no_script.get_by_label("New status").select_option("in_progress")
        no_script.locator("#id_status-note").fill("Crew on the way")
        no_script.get_by_role("button", name="Change status").click()
        no_script.wait_for_selector("text=Status changed to In progress.")
    finally:
        context.close()

    late = ServiceRequest.objects.get(pk=queue["late"].pk)
    assert (late.detailed_status, late.assigned_to and late.assigned_to.username) == ("in_progress", "rosa")
    closed = ServiceRequest.objects.filter(pk__in=[queue["fresh"].pk, queue["other"].pk])
    assert set(closed.values_list("detailed_status", "status_notes")) == {
        ("completed", "Filled this morning")
    }
