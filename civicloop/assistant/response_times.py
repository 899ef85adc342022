"""How fast the city answers residents' messages, by channel and language: is a Spanish WhatsApp answered
as fast as an English text? For the conversations started in the last `days` days: the time from the
resident's first message to the first reply a member of staff wrote, and from the first message to
resolved (the service desk's status), as medians and 90th percentiles. One query, grouped in Python.
Read by the inbox's measures page and by insights."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation, DeskStatus
from civicloop.core.bench import _percentile

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
