"""When digests go out: daily and weekly slots in the city's local time (pure: settings and clock in)."""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from civicloop.subscriptions.models import Frequency

DIGEST_FREQUENCIES: tuple[str, ...] = (Frequency.DAILY, Frequency.WEEKLY)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# --- Schedule (pure: settings and the clock in, aware datetimes out) ---------------------------------


def _clock_setting(name: str, default: str) -> time:
    raw = str(getattr(settings, name, default)).strip()
    try:
        hours, minutes = (int(part) for part in raw.split(":"))
        return time(hours, minutes)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a 24-hour HH:MM time, not {raw!r}") from error


def _weekly_weekday() -> int:
    raw = str(getattr(settings, "DIGEST_WEEKLY_DAY", "monday")).strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if raw in (name, name[:3]):
            return number
    raise ImproperlyConfigured(f"DIGEST_WEEKLY_DAY must be a day of the week in English, not {raw!r}")


def _schedule(frequency: str) -> tuple[time, int | None]:
    """(local time of day, weekday or None for every day) of a frequency's digest."""
    if frequency == Frequency.DAILY:
        return _clock_setting("DIGEST_DAILY_TIME", "07:00"), None
    if frequency == Frequency.WEEKLY:
        return _clock_setting("DIGEST_WEEKLY_TIME", "07:00"), _weekly_weekday()
    raise ValueError(f"not a digest frequency: {frequency!r}")


def _local_at(day: date, at: time) -> datetime:
    zone = timezone.get_default_timezone()
    # A time skipped by a spring-forward change moves on by the gap (02:30 → 03:30); an ambiguous one
    # in the fall-back hour is its first occurrence (fold=0), so a day never has two digests.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _scheduled_days(now: datetime, frequency: str, step: int) -> list[datetime]:
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    at, weekday = _schedule(frequency)
    today = timezone.localtime(now).date()
    days = (today + timedelta(days=step * offset) for offset in range(9))  # 9 days hold two weekdays
    return [_local_at(day, at) for day in days if weekday is None or day.weekday() == weekday]


def next_digest_time(now: datetime, frequency: str) -> datetime:
    """The first scheduled local time strictly after `now` (aware, in TIME_ZONE) for this frequency.

    Daily: DIGEST_DAILY_TIME every day; weekly: DIGEST_WEEKLY_TIME on DIGEST_WEEKLY_DAY. Wall-clock
    time is kept across DST changes (the UTC gap is 23 or 25 hours then).
    """
    # Compared in UTC: aware datetimes sharing a tzinfo compare by wall clock, blind to DST's repeated hour.
    instant = now.astimezone(UTC)
    return next(moment for moment in _scheduled_days(now, frequency, 1) if moment.astimezone(UTC) > instant)


def digest_slot(now: datetime, frequency: str) -> datetime:
    """The latest scheduled local time at or before `now`: the run a task starting at `now` is for."""
    instant = now.astimezone(UTC)
    return next(moment for moment in _scheduled_days(now, frequency, -1) if moment.astimezone(UTC) <= instant)
