"""The announcements the city published, and how many subscribers each reached by channel and
language (counts only, small ones suppressed)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min, Q

from civicloop.opendata.datasets.publication_rules import SUPPRESSION_NOTE, suppressed
from civicloop.opendata.registry import Column, Dataset, Row, dataset_register, iso_utc
from civicloop.opendata.registry import ColumnType as T

# ------------------------------------------------------------------------------------ announcements

ANNOUNCEMENT_COLUMNS = (
    Column("slug", T.TEXT, "The announcement's identifier in its web address", indexed=True),
    Column("kind", T.TEXT, "policy, program, event or alert", indexed=True),
    Column("title", T.TEXT, "Title in English (or the first language it was written in)"),
    Column("title_es", T.TEXT, "Title in Spanish, when translated"),
    Column("languages", T.TEXT, "The languages it was published in, separated by ';'"),
    Column("topics", T.TEXT, "Its topics, separated by ';'"),
    Column("citywide", T.BOOLEAN, "True when it concerns the whole city"),
    Column("community_areas", T.TEXT, "The community area numbers it concerns, separated by ';'"),
    Column("published_date", T.TIMESTAMP, "When it was published (UTC)", indexed=True),
    Column("event_start", T.TIMESTAMP, "For events: when it starts (UTC)"),
    Column("event_end", T.TIMESTAMP, "For events: when it ends (UTC)"),
    Column("url", T.TEXT, "Its page on the city's site (path)"),
)


def announcement_rows() -> Iterator[Row]:
    from civicloop.announcements.models import Announcement, Status

    announcements = (
        Announcement.objects.filter(status=Status.PUBLISHED)
        .order_by("published_at", "id")
        .prefetch_related("translations", "topics", "areas")
    )
    for announcement in announcements.iterator(chunk_size=1000):
        titles = {translation.language: translation.title for translation in announcement.translations.all()}
        first_title = next(iter(titles.values()), None)
        yield (
            announcement.slug,
            announcement.kind,
            titles.get("en", first_title),
            titles.get("es"),
            ";".join(sorted(titles)),
            ";".join(sorted(topic.slug for topic in announcement.topics.all())),
            announcement.is_citywide,
            ";".join(str(number) for number in sorted(area.number for area in announcement.areas.all())),
            iso_utc(announcement.published_at),
            iso_utc(announcement.event_starts_at),
            iso_utc(announcement.event_ends_at),
            f"/announcements/{announcement.slug}/",
        )


dataset_register(
    Dataset(
        identifier="announcements",
        title="City Announcements",
        description=(
            "Policies, programs, events and alerts the city published, with their languages, topics and "
            "the community areas they concern."
        ),
        keywords=("announcements", "alerts", "events", "policies", "programs"),
        theme=("communications",),
        accrual_periodicity="R/PT1H",
        columns=ANNOUNCEMENT_COLUMNS,
        rows=announcement_rows,
        temporal_column="published_date",
    )
)


# ---------------------------------------------------------------------------------- delivery reach

REACH_COLUMNS = (
    Column("announcement", T.TEXT, "The announcement's slug", indexed=True),
    Column("channel", T.TEXT, "email or sms", indexed=True),
    Column("language", T.TEXT, "The language it was sent in", indexed=True),
    Column("recipients", T.INTEGER, "Subscribers it was addressed to (empty when fewer than k)"),
    Column("sent", T.INTEGER, "Handed to the provider or delivered (empty when fewer than k)"),
    Column("delivered", T.INTEGER, "Confirmed delivered by the provider (empty when fewer than k)"),
    Column("failed", T.INTEGER, "Failed or bounced (empty when fewer than k)"),
    Column("suppressed", T.INTEGER, "Not sent: unsubscribed or suppressed (empty when fewer than k)"),
    Column("first_sent", T.TIMESTAMP, "When the first message was sent (UTC)"),
)


def reach_rows() -> Iterator[Row]:
    from civicloop.announcements.models import Status
    from civicloop.delivery.models import Delivery

    status = Delivery.Status
    groups = (
        Delivery.objects.filter(
            message__announcement__isnull=False, message__announcement__status=Status.PUBLISHED
        )
        .values_list("message__announcement__slug", "channel", "language")
        .annotate(
            recipients=Count("id"),
            sent=Count("id", filter=Q(status__in=[status.SENT, status.DELIVERED])),
            delivered=Count("id", filter=Q(status=status.DELIVERED)),
            failed=Count("id", filter=Q(status__in=[status.FAILED, status.BOUNCED])),
            suppressed=Count("id", filter=Q(status__in=[status.SUPPRESSED, status.CANCELLED])),
            first_sent=Min("sent_at"),
        )
        .order_by("message__announcement__slug", "channel", "language")
    )
    for slug, channel, language, recipients, sent, delivered, failed, skipped, first_sent in groups:
        yield (
            slug,
            channel,
            language,
            suppressed(recipients),
            suppressed(sent),
            suppressed(delivered),
            suppressed(failed),
            suppressed(skipped),
            iso_utc(first_sent),
        )


dataset_register(
    Dataset(
        identifier="delivery-reach",
        title="Announcement Reach by Channel and Language",
        description=(
            "How many subscribers each announcement was sent to, by channel and language, and how many "
            "messages were delivered. Counts only: no recipient is published."
        ),
        keywords=("announcements", "email", "sms", "reach", "languages"),
        theme=("communications",),
        accrual_periodicity="R/P1D",
        columns=REACH_COLUMNS,
        rows=reach_rows,
        temporal_column="first_sent",
        suppression_note=SUPPRESSION_NOTE,
    )
)
