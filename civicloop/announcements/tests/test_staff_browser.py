"""The staff announcement pages in Chromium (issue 23): the list fits a phone, and the composer's date and
time fields keep the site's focus ring on their calendar button."""

import pytest

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement
from civicloop.conftest import login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_STYLE = """(element) => {
  const style = getComputedStyle(element);
  return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.outlineOffset, style.boxShadow];
}"""


@pytest.fixture
def comms(page, live_server):
    user = staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password="pw-long-enough-1",
        full_name="Carmen O",
    )
    login_in_browser(page, live_server, user)
    return user


def test_the_staff_announcement_list_does_not_scroll_sideways_on_a_phone(page, comms, assert_accessible):
    make_announcement(title="Extreme cold warning: warming centers open around the clock", kind=Kind.ALERT)
    make_announcement(title="Budget town hall at the Harold Washington Library", kind=Kind.EVENT)
    make_announcement(title="Snow plow tracker is live for the season", publish=False)
    make_announcement(title="Free trees for every block that asks before spring", spanish=None)

    page.goto("/staff/announcements/")

    assert page.locator("tbody tr").count() == 4
    assert page.evaluate("window.innerWidth") == 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The table scrolls inside its own region instead, which keyboard users can reach and scroll.
    region = page.get_by_role("region", name="Announcements, most recently changed first")
    assert region.evaluate("(element) => element.scrollWidth > element.clientWidth")
    assert region.get_attribute("tabindex") == "0"
    assert_accessible(page)


def test_the_calendar_button_of_a_date_and_time_field_keeps_the_site_s_focus_ring(page, comms):
    page.goto("/staff/announcements/new/")
    # The site's ring, as a text field shows it.
    location = page.locator("#id_event_location")
    location.focus()
    assert location.evaluate("(element) => element.matches(':focus-visible')")
    site_ring = location.evaluate(FOCUS_STYLE)
    assert site_ring[:2] == ["solid", "3px"]

    # Tab through the parts of "Event starts" (month, day, year, hour, minute, AM/PM) to its calendar button.
    field = page.locator("#id_event_starts_at")
    field.focus()
    states: list[bool] = []
    while field.evaluate("(element) => element === document.activeElement") and len(states) < 12:
        # Focus inside the field but not on one of its parts: Chromium's calendar button has it.
        on_picker = not field.evaluate("(element) => element.matches(':focus')")
        states.append(on_picker)
        assert field.evaluate(FOCUS_STYLE) == site_ring, f"Tab {len(states)}, calendar button: {on_picker}"
        page.keyboard.press("Tab")
    assert states[-1] is True, "Tab never reached the field's calendar button"
