"""How fast the city answers residents' messages, by channel and language: is a Spanish WhatsApp answered
as fast as an English text? For the conversations started in the last `days` days: the time from the
resident's first message to the first reply a member of staff wrote, and from the first message to
resolved (the service desk's status), as medians and 90th percentiles. One query, grouped in Python.
Read by the inbox's measures page and by insights.

`inbox_response_times_by_month` is the open data's: every month, in the city's business hours (the
service desk's targets count those), with the share answered within the first-reply target."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation, DeskStatus
from civicloop.core.bench import _percentile
from civicloop.core.business_hours import business_hours_between, schedule_parse

DAYS = 30
DAYS_MAX = 366


@dataclass(frozen=True)
class ResponseTimes:
    channel: str
    channel_label: str
    language: str
    conversations: int
    answered_by_staff: int
    first_reply_median_hours: float | None
    first_reply_p90_hours: float | None
    resolved: int
    resolution_median_hours: float | None


def _hours(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    ordered = sorted(values)
    return round(statistics.median(ordered), 2), round(_percentile(ordered, 0.9), 2)


def inbox_response_times(*, days: int = DAYS, now: datetime | None = None) -> list[ResponseTimes]:
    """One row per (channel, language) with conversations started in the window, busiest first."""
    since = (now or timezone.now()) - timedelta(days=days)
    staff_reply = Q(messages__direction=AssistantMessage.Direction.OUT, messages__sent_by__isnull=False)
    rows = (
        Conversation.objects.filter(created_at__gte=since)
        .annotate(
            first_in=Min("messages__created_at", filter=Q(messages__direction=AssistantMessage.Direction.IN)),
            first_staff=Min("messages__created_at", filter=staff_reply),
        )
        .values_list("channel", "language", "first_in", "first_staff", "desk_status", "desk_status_at")
    )
    groups: dict[tuple[str, str], dict[str, list[float]]] = {}
    counts: dict[tuple[str, str], int] = {}
    for channel, language, first_in, first_staff, status, status_at in rows.iterator():
        if first_in is None:
            continue
        key = (channel, language or "?")
        counts[key] = counts.get(key, 0) + 1
        group = groups.setdefault(key, {"reply": [], "resolved": []})
        if first_staff is not None and first_staff >= first_in:
            group["reply"].append((first_staff - first_in).total_seconds() / 3600)
        if status == DeskStatus.RESOLVED and status_at is not None and status_at >= first_in:
            group["resolved"].append((status_at - first_in).total_seconds() / 3600)
    labels = dict(Conversation.Channel.choices)
    result = []
    for key, group in groups.items():
        reply_median, reply_p90 = _hours(group["reply"])
        resolution_median, _p90 = _hours(group["resolved"])
        result.append(
            ResponseTimes(
                channel=key[0],
                channel_label=str(labels.get(key[0], key[0])),
                language=key[1],
                conversations=counts[key],
                answered_by_staff=len(group["reply"]),
                first_reply_median_hours=reply_median,
                first_reply_p90_hours=reply_p90,
                resolved=len(group["resolved"]),
                resolution_median_hours=resolution_median,
            )
        )
    return sorted(result, key=lambda row: (-row.conversations, row.channel, row.language))


@dataclass(frozen=True)
class MonthlyResponseTimes:
    """The conversations begun in one month (the city's time zone) on one channel in one language;
    times in the city's business hours from the resident's first message (nearest-rank percentiles)."""

    month: str  # "2026-12"
    channel: str
    language: str  # "" when not known
    conversations: int
    answered_by_staff: int
    first_reply_median_business_hours: float | None
    first_reply_p90_business_hours: float | None
    # Of the conversations staff answered, those whose first staff reply came within the target.
    answered_within_target: int
    resolved: int
    resolution_median_business_hours: float | None


def _nearest_rank(values: list[float], fraction: float) -> float | None:
    return round(_percentile(sorted(values), fraction), 2) if values else None


def inbox_response_times_by_month() -> list[MonthlyResponseTimes]:
    """One row per (month, channel, language) with a conversation a resident wrote in, oldest first.

    Counted by the database per group; the business hours of each answered or resolved conversation
    are counted here (a schedule in the city's time zone is no SQL), from one query of only the columns
    that needs."""
    schedule = schedule_parse(settings.INBOX_BUSINESS_HOURS)
    target = float(settings.INBOX_FIRST_REPLY_SLA_HOURS)
    resident_wrote = Exists(
        AssistantMessage.objects.filter(conversation=OuterRef("pk"), direction=AssistantMessage.Direction.IN)
    )
    begun = Conversation.objects.filter(resident_wrote).annotate(month=TruncMonth("created_at")).order_by()
    counts = {
        (month.strftime("%Y-%m"), channel, language): total
        for month, channel, language, total in begun.values_list("month", "channel", "language").annotate(
            total=Count("id")
        )
    }
    staff_reply = Q(messages__direction=AssistantMessage.Direction.OUT, messages__sent_by__isnull=False)
    timed = (
        # Grouped by the conversation and only what is read of it (not by all its columns).
        begun.values("pk", "month", "channel", "language", "desk_status", "desk_status_at")
        .annotate(
            first_in=Min("messages__created_at", filter=Q(messages__direction=AssistantMessage.Direction.IN)),
            first_staff=Min("messages__created_at", filter=staff_reply),
        )
        # Only what has a time to measure: most conversations the assistant answers alone.
        .filter(Q(first_staff__isnull=False) | Q(desk_status=DeskStatus.RESOLVED))
        .values_list(
            "month", "channel", "language", "first_in", "first_staff", "desk_status", "desk_status_at"
        )
    )
    replies: dict[tuple[str, str, str], list[float]] = {}
    resolutions: dict[tuple[str, str, str], list[float]] = {}
    for month, channel, language, first_in, first_staff, status, status_at in timed.iterator(chunk_size=2000):
        key = (month.strftime("%Y-%m"), channel, language)
        if first_staff is not None and first_staff >= first_in:
            replies.setdefault(key, []).append(business_hours_between(first_in, first_staff, schedule))
        if status == DeskStatus.RESOLVED and status_at is not None and status_at >= first_in:
            resolutions.setdefault(key, []).append(business_hours_between(first_in, status_at, schedule))
    rows = []
    for key in sorted(counts):
        reply, resolution = replies.get(key, []), resolutions.get(key, [])
        rows.append(
            MonthlyResponseTimes(
                month=key[0],
                channel=key[1],
                language=key[2],
                conversations=counts[key],
                answered_by_staff=len(reply),
                first_reply_median_business_hours=_nearest_rank(reply, 0.5),
                first_reply_p90_business_hours=_nearest_rank(reply, 0.9),
                answered_within_target=sum(1 for hours in reply if hours <= target),
                resolved=len(resolution),
                resolution_median_business_hours=_nearest_rank(resolution, 0.5),
            )
        )
    return rows
