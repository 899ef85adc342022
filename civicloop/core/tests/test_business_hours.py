"""Time counted in the city's business hours, in its time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicloop.core.business_hours import (
    ScheduleInvalid,
    business_hours_add,
    business_hours_between,
    schedule_parse,
)

CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS = schedule_parse("Mon-Fri 08:30-17:00")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CHICAGO)  # 2026-12-04 is a Friday


def test_hours_left_on_friday_carry_over_to_monday_morning():
    assert business_hours_add(at(4, 16), 2, WEEKDAYS) == at(7, 9, 30)


def test_a_message_at_night_or_on_the_weekend_starts_counting_at_opening_time():
    assert business_hours_add(at(5, 23), 4, WEEKDAYS) == at(7, 12, 30)  # Saturday night → Monday
    assert business_hours_add(at(7, 6), 1, WEEKDAYS) == at(7, 9, 30)


def test_a_long_target_spans_days():
    assert business_hours_add(at(7, 8, 30), 24, WEEKDAYS) == at(9, 15, 30)  # 8.5 + 8.5 + 7 hours


def test_hours_between_count_only_business_hours():
    assert business_hours_between(at(4, 16), at(7, 9, 30), WEEKDAYS) == 2.0
    assert business_hours_between(at(7, 9), at(7, 8), WEEKDAYS) == 0.0


def test_a_schedule_can_include_the_weekend_and_bad_ones_are_refused():
    every_day = schedule_parse("Mon-Sun 09:00-21:00")
    assert business_hours_add(at(5, 20), 2, every_day) == at(6, 10)
    for bad in ("weekdays 9-5", "Mon-Fri 17:00-08:30", "Xyz 09:00-10:00"):
        with pytest.raises(ScheduleInvalid):
            schedule_parse(bad)
