"""How fast the city answers, month by month, in business hours: what the open data publishes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civicloop.accounts.models import User
from civicloop.assistant.models import AssistantMessage, Conversation, DeskStatus
from civicloop.assistant.response_times import MonthlyResponseTimes, inbox_response_times_by_month
from civicloop.assistant.tests.test_inbox import carmen  # noqa: F401

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
# Monday 2 November 2026, 9 am in Chicago (the city's business hours: Mon-Fri 08:30-17:00).
MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=CHICAGO)


def conversation(
    channel: str,
    language: str,
    n: int,
    *,
    start: datetime = MONDAY_9AM,
    reply_at: datetime | None = None,
    resolved_at: datetime | None = None,
    staff: User | None = None,
    resident_wrote: bool = True,
) -> Conversation:
    identity = (
        {"phone": f"+1312555{n:04d}"}
        if channel in ("sms", "whatsapp")
        else {"remote_account_id": str(n), "remote_thread_id": f"dm:{n}"}
    )
    made = Conversation.objects.create(
        channel=channel, language=language, created_at=start, last_message_at=start, **identity
    )
    if resident_wrote:
        AssistantMessage.objects.create(conversation=made, direction="in", body="hola", created_at=start)
    # the assistant's instant answer is not a staff reply
    AssistantMessage.objects.create(conversation=made, direction="out", body="auto", created_at=start)
    if reply_at is not None:
        AssistantMessage.objects.create(
            conversation=made, direction="out", body="staff", sent_by=staff, created_at=reply_at
        )
    if resolved_at is not None:
        Conversation.objects.filter(pk=made.pk).update(
            desk_status=DeskStatus.RESOLVED, desk_status_at=resolved_at
        )
    return made


def rows_by_key() -> dict[tuple[str, str, str], MonthlyResponseTimes]:
    return {(row.month, row.channel, row.language): row for row in inbox_response_times_by_month()}


def test_times_are_business_hours_from_the_first_message_with_nearest_rank_percentiles(carmen, settings):  # noqa: F811
    settings.INBOX_BUSINESS_HOURS = "Mon-Fri 08:30-17:00"
    settings.INBOX_FIRST_REPLY_SLA_HOURS = 4
    for n, hours in enumerate([1, 2, 3, 5]):
        conversation(
            "whatsapp",
            "es",
            n,
            reply_at=MONDAY_9AM + timedelta(hours=hours),
            resolved_at=MONDAY_9AM + timedelta(hours=hours + 1),
            staff=carmen,
        )
    # Friday 4 pm to Monday 9:30 am: 65.5 hours on the clock, 2 business hours (one each day).
    friday = datetime(2026, 11, 6, 16, 0, tzinfo=CHICAGO)
    conversation("whatsapp", "es", 8, start=friday, reply_at=friday + timedelta(hours=65.5), staff=carmen)
    conversation("whatsapp", "es", 9)  # not answered yet

    row = rows_by_key()["2026-11", "whatsapp", "es"]

    assert row.conversations == 6 and row.answered_by_staff == 5
    # replies in 1, 2, 2, 3, 5 business hours: nearest rank 3 of 5 and 5 of 5
    assert row.first_reply_median_business_hours == 2.0 and row.first_reply_p90_business_hours == 5.0
    assert row.answered_within_target == 4  # the 5-hour reply missed the 4-hour target
    assert row.resolved == 4 and row.resolution_median_business_hours == 3.0  # 2, 3, 4, 6


def test_rows_are_per_month_in_the_citys_time_zone_channel_and_language(carmen):  # noqa: F811
    # 3 am on 1 December in UTC is still 30 November in Chicago
    late_november = datetime(2026, 12, 1, 3, 0, tzinfo=ZoneInfo("UTC"))
    conversation("sms", "en", 1, start=late_november)
    conversation("sms", "en", 2, start=datetime(2026, 12, 2, 10, 0, tzinfo=CHICAGO))
    conversation("sms", "es", 3, start=datetime(2026, 12, 2, 10, 0, tzinfo=CHICAGO))
    conversation("facebook", "", 4)

    rows = inbox_response_times_by_month()

    assert [(row.month, row.channel, row.language, row.conversations) for row in rows] == [
        ("2026-11", "facebook", "", 1),
        ("2026-11", "sms", "en", 1),
        ("2026-12", "sms", "en", 1),
        ("2026-12", "sms", "es", 1),
    ]
    assert all(row.answered_by_staff == 0 and row.first_reply_median_business_hours is None for row in rows)


def test_only_staff_replies_count_and_conversations_no_resident_wrote_in_are_left_out(carmen):  # noqa: F811
    conversation("x", "en", 1, reply_at=MONDAY_9AM + timedelta(hours=1), staff=None)  # the assistant
    conversation("x", "en", 2, reply_at=MONDAY_9AM + timedelta(hours=1), staff=carmen, resident_wrote=False)

    row = rows_by_key()["2026-11", "x", "en"]

    assert row.conversations == 1 and row.answered_by_staff == 0 and row.answered_within_target == 0


def test_two_queries_whatever_the_number_of_conversations(carmen, django_assert_num_queries):  # noqa: F811
    for n in range(30):
        conversation(
            ("sms", "whatsapp")[n % 2],
            ("en", "es", "pl")[n % 3],
            n,
            start=MONDAY_9AM + timedelta(days=31 * (n // 2 % 2)),  # November or December
            reply_at=MONDAY_9AM + timedelta(days=31 * (n // 2 % 2), hours=1),
            resolved_at=MONDAY_9AM + timedelta(days=31 * (n // 2 % 2), hours=2),
            staff=carmen,
        )

    with django_assert_num_queries(2):
        rows = inbox_response_times_by_month()

    assert len(rows) == 12 and sum(row.conversations for row in rows) == 30
    assert {row.first_reply_median_business_hours for row in rows} == {1.0}
