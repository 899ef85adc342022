"""How fast the city answers residents' messages, by month, channel and language (issue 19): counts
of conversations, and times in business hours, withheld when fewer than k conversations are behind them."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings

from civicloop.opendata.datasets.publication_rules import SUPPRESSION_NOTE, suppressed
from civicloop.opendata.registry import Column, Dataset, Row, dataset_register
from civicloop.opendata.registry import ColumnType as T

INBOX_RESPONSE_COLUMNS = (
    Column("month", T.DATE, "The month the conversation began, in Chicago time (YYYY-MM)", indexed=True),
    Column(
        "channel",
        T.TEXT,
        "Where the resident wrote: sms, whatsapp, web, facebook, instagram, x, mastodon or bluesky",
        indexed=True,
    ),
    Column("language", T.TEXT, "The conversation's language (empty when not known)", indexed=True),
    Column(
        "conversations",
        T.INTEGER,
        "Conversations begun that month in which a resident wrote (empty when fewer than k)",
    ),
    Column(
        "answered_by_staff",
        T.INTEGER,
        "Of those, the ones a member of staff replied to; the assistant's automatic answers do not count "
        "(empty when fewer than k)",
    ),
    Column(
        "first_reply_median_business_hours",
        T.NUMBER,
        "Median business hours from the resident's first message to the first staff reply (empty when "
        "fewer than k conversations were answered)",
    ),
    Column(
        "first_reply_p90_business_hours",
        T.NUMBER,
        "90th percentile of the same (empty when fewer than k conversations were answered)",
    ),
    Column(
        "first_reply_target_business_hours",
        T.NUMBER,
        "The city's target for a first staff reply, in business hours",
    ),
    Column(
        "answered_within_target_share",
        T.NUMBER,
        "Of the conversations staff answered, the share (0 to 1) first answered within the target (empty "
        "when fewer than k conversations were answered)",
    ),
    Column(
        "resolved",
        T.INTEGER,
        "Conversations marked resolved by staff (empty when fewer than k)",
    ),
    Column(
        "resolution_median_business_hours",
        T.NUMBER,
        "Median business hours from the resident's first message to resolved (empty when fewer than k "
        "conversations were resolved)",
    ),
)


def inbox_response_rows() -> Iterator[Row]:
    from civicloop.assistant.response_times import inbox_response_times_by_month

    target = float(settings.INBOX_FIRST_REPLY_SLA_HOURS)
    for row in inbox_response_times_by_month():
        # A time or share stands for the conversations behind it: fewer than k, and it is withheld too.
        answered = suppressed(row.answered_by_staff)
        resolved = suppressed(row.resolved)
        yield (
            row.month,
            row.channel,
            row.language or None,
            suppressed(row.conversations),
            answered,
            row.first_reply_median_business_hours if answered else None,
            row.first_reply_p90_business_hours if answered else None,
            target,
            round(row.answered_within_target / answered, 4) if answered else None,
            resolved,
            row.resolution_median_business_hours if resolved else None,
        )


dataset_register(
    Dataset(
        identifier="inbox-response-times",
        title="Residents' Messages: Response and Resolution Times by Channel and Language",
        description=(
            "How fast city staff answer residents who write by text, WhatsApp, web chat or social media, "
            "per month, channel and language: conversations, how many staff answered, the median and 90th "
            "percentile time to the first staff reply and the median time to resolved, in the city's "
            "business hours, and the share answered within the city's target. Counts and times only: no "
            "resident, message or conversation is published; small groups are left empty."
        ),
        keywords=("resident messages", "response times", "whatsapp", "sms", "social media", "languages"),
        theme=("communications",),
        accrual_periodicity="R/P1D",
        columns=INBOX_RESPONSE_COLUMNS,
        rows=inbox_response_rows,
        temporal_column="month",
        suppression_note=SUPPRESSION_NOTE,
    )
)
