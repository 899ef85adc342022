"""Time counted in the city's business hours (service-desk targets: "answered within 4 business hours").

A schedule is written as in settings, e.g. "Mon-Fri 08:30-17:00" (days, then opening and closing time, in
the city's time zone, TIME_ZONE). Public holidays are not known here: they count as working days.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from django.utils import timezone

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SCHEDULE = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)


class ScheduleInvalid(ValueError):
    """Not a schedule like "Mon-Fri 08:30-17:00"."""


@dataclass(frozen=True)
class Schedule:
    weekdays: frozenset[int]  # Monday is 0
    opens: time
    closes: time

    @property
    def day_hours(self) -> float:
        return (
            datetime.combine(datetime.min, self.closes) - datetime.combine(datetime.min, self.opens)
        ).seconds / 3600


@lru_cache(maxsize=8)
def schedule_parse(text: str) -> Schedule:
    match = _SCHEDULE.match(text.lower())
    if not match:
        raise ScheduleInvalid(f"not a schedule like 'Mon-Fri 08:30-17:00': {text!r}")
    first, last = match["first"], match["last"] or match["first"]
    if first not in DAYS or last not in DAYS:
        raise ScheduleInvalid(f"unknown day in {text!r}")
    start, end = DAYS.index(first), DAYS.index(last)
    weekdays = (
        frozenset(range(start, end + 1))
        if start <= end
        else frozenset([*range(start, 7), *range(0, end + 1)])
    )
    opens, closes = (time.fromisoformat(match[name].zfill(5)) for name in ("open", "close"))
    if closes <= opens:
        raise ScheduleInvalid(f"closing time before opening time in {text!r}")
    return Schedule(weekdays=weekdays, opens=opens, closes=closes)


def _day_bounds(day: datetime, schedule: Schedule) -> tuple[datetime, datetime]:
    opens = day.replace(hour=schedule.opens.hour, minute=schedule.opens.minute, second=0, microsecond=0)
    closes = day.replace(hour=schedule.closes.hour, minute=schedule.closes.minute, second=0, microsecond=0)
    return opens, closes


def business_hours_add(start: datetime, hours: float, schedule: Schedule) -> datetime:
    """The moment `hours` business hours after `start` (an aware datetime), in the city's time zone."""
    moment = timezone.localtime(start)
    left = timedelta(hours=hours)
    for _day in range(3660):  # ten years of days at most: a target longer than that is a mistake
        if moment.weekday() in schedule.weekdays:
            opens, closes = _day_bounds(moment, schedule)
            begin = max(moment, opens)
            if begin < closes:
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
        moment = timezone.make_aware(datetime.combine(moment.date() + timedelta(days=1), time(0, 0)))
    raise ValueError("business hours target too far away")


def business_hours_between(start: datetime, end: datetime, schedule: Schedule) -> float:
    """Business hours from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    moment, end = timezone.localtime(start), timezone.localtime(end)
    total = timedelta()
    while moment < end:
        if moment.weekday() in schedule.weekdays:
            opens, closes = _day_bounds(moment, schedule)
            begin, finish = max(moment, opens), min(end, closes)
            if begin < finish:
                total += finish - begin
        moment = timezone.make_aware(datetime.combine(moment.date() + timedelta(days=1), time(0, 0)))
    return total.total_seconds() / 3600
