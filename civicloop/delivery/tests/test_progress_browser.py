"""The delivery page in a real browser: it updates itself while a send runs, and can be paused."""

import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_topic
from civicloop.conftest import login_in_browser
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.tests.factories import make_subscriber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sending(page, live_server):
    topic = make_topic()
    for number in range(4):
        make_subscriber(email=f"r{number}@example.org", topics=[topic])
    announcement = make_announcement(title="Boil water advisory", kind=Kind.ALERT, topics=[topic])
    message, _ = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    staff = staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password="pw-long-enough-1",
        full_name="C O",
    )
    login_in_browser(page, live_server, staff)
    return announcement


def test_the_progress_bar_moves_to_100_percent_without_a_reload(page, sending, assert_accessible):
    page.goto(f"/staff/announcements/{sending.pk}/delivery/")
    assert page.locator("#delivery-progress").get_attribute("value") == "0"
    assert_accessible(page)

    Delivery.objects.update(status="sent")

    page.locator("#delivery-progress[value='4']").wait_for(timeout=10_000)
    assert page.get_by_text("Finished", exact=True).is_visible()
    assert page.locator("#delivery-announcer").inner_text() == "Sending finished."


def test_updates_can_be_paused(page, sending):
    page.goto(f"/staff/announcements/{sending.pk}/delivery/")
    page.get_by_role("button", name="Pause updates").click()

    Delivery.objects.update(status="sent")
    page.wait_for_timeout(4_000)
    assert page.locator("#delivery-progress").get_attribute("value") == "0"

    page.get_by_role("button", name="Resume updates").click()
    page.locator("#delivery-progress[value='4']").wait_for(timeout=10_000)
