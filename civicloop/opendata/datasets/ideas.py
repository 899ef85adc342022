"""Residents' ideas in public forums, and the city's official responses to them (replies and
status decisions)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery

from civicloop.opendata.datasets.publication_rules import CHUNK, _masked
from civicloop.opendata.registry import Column, Dataset, Geometry, Row, dataset_register, iso_utc
from civicloop.opendata.registry import ColumnType as T

# ------------------------------------------------------------------------- ideas, official responses

IDEA_COLUMNS = (
    Column("idea_id", T.INTEGER, "The idea's number", indexed=True),
    Column("question", T.TEXT, "The question the city asked"),
    Column("space", T.TEXT, "The forum it was asked in"),
    Column("title", T.TEXT, "The idea's title, contact details removed"),
    Column("body", T.TEXT, "The idea, contact details removed"),
    Column("community_area_number", T.INTEGER, "The community area it concerns, if any", indexed=True),
    Column(
        "status", T.TEXT, "under_consideration, accepted, in_progress, implemented, not_planned", indexed=True
    ),
    Column("status_reason", T.TEXT, "The city's reason for the status"),
    Column("supports", T.INTEGER, "Residents who support it"),
    Column("comments", T.INTEGER, "Comments on it"),
    Column("created_date", T.TIMESTAMP, "When it was posted (UTC)", indexed=True),
    Column("first_official_response_date", T.TIMESTAMP, "When the city first answered it officially (UTC)"),
    Column("url", T.TEXT, "Its page on the city's site (path)"),
)


def _public_ideas():  # type: ignore[no-untyped-def]
    from civicloop.engage.models import Idea, ModerationState, Space

    return Idea.objects.filter(
        moderation_state=ModerationState.PUBLISHED, question__space__visibility=Space.Visibility.PUBLIC
    )


def idea_rows() -> Iterator[Row]:
    from civicloop.engage.models import Comment, IdeaStatusChange, ModerationState

    first_reply = Comment.objects.filter(
        idea=OuterRef("pk"), is_official=True, moderation_state=ModerationState.PUBLISHED
    ).order_by("created_at")
    first_status = IdeaStatusChange.objects.filter(idea=OuterRef("pk")).order_by("created_at")

    ideas = (
        _public_ideas()
        .annotate(
            first_reply=Subquery(first_reply.values("created_at")[:1]),
            first_status=Subquery(first_status.values("created_at")[:1]),
        )
        .order_by("created_at", "id")
        .values_list(
            "id",
            "question__text",
            "question__space__title",
            "title",
            "body",
            "community_area__number",
            "status",
            "status_reason",
            "supports_count",
            "comments_count",
            "created_at",
            "first_reply",
            "first_status",
        )
    )
    for (
        idea_id,
        question,
        space,
        title,
        body,
        area,
        status,
        reason,
        supports,
        comments,
        created,
        first_reply_at,
        first_status_at,
    ) in ideas.iterator(chunk_size=CHUNK):
        answers = [moment for moment in (first_reply_at, first_status_at) if moment is not None]
        yield (
            idea_id,
            question,
            space,
            _masked(title),
            _masked(body),
            area,
            status,
            _masked(reason),
            supports,
            comments,
            iso_utc(created),
            iso_utc(min(answers)) if answers else None,
            f"/ideas/{idea_id}/",
        )


RESPONSE_COLUMNS = (
    Column("idea_id", T.INTEGER, "The idea answered", indexed=True),
    Column("kind", T.TEXT, "reply (an official comment) or status (a status set with its reason)"),
    Column("department", T.TEXT, "The department that answered", indexed=True),
    Column("status", T.TEXT, "For a status: the status set"),
    Column("text", T.TEXT, "The answer, contact details removed"),
    Column("created_date", T.TIMESTAMP, "When it was given (UTC)", indexed=True),
)


def response_rows() -> Iterator[Row]:
    from civicloop.engage.models import Comment, IdeaStatusChange, ModerationState

    public = _public_ideas().values("pk")
    replies = (
        Comment.objects.filter(is_official=True, moderation_state=ModerationState.PUBLISHED, idea__in=public)
        .order_by("created_at", "id")
        .values_list("idea_id", "department", "body", "created_at")
    )
    for idea_id, department, body, created in replies.iterator(chunk_size=CHUNK):
        yield (idea_id, "reply", department or None, None, _masked(body), iso_utc(created))
    statuses = (
        IdeaStatusChange.objects.filter(idea__in=public)
        .order_by("created_at", "id")
        .values_list("idea_id", "department", "status", "reason", "created_at")
    )
    for idea_id, department, status, reason, created in statuses.iterator(chunk_size=CHUNK):
        yield (idea_id, "status", department or None, status, _masked(reason), iso_utc(created))


dataset_register(
    Dataset(
        identifier="ideas",
        title="Residents' Ideas",
        description=(
            "Ideas residents posted in answer to the city's questions in public forums, with their "
            "status, support and when the city first answered. Authors are not published."
        ),
        keywords=("ideas", "engagement", "participation", "forums"),
        theme=("participation",),
        accrual_periodicity="R/P1D",
        columns=IDEA_COLUMNS,
        rows=idea_rows,
        temporal_column="created_date",
        geometry=Geometry.AREA,
    )
)
dataset_register(
    Dataset(
        identifier="official-responses",
        title="Official Responses to Ideas",
        description=(
            "Every official reply and status decision the city gave on residents' ideas, by department."
        ),
        keywords=("ideas", "official responses", "accountability"),
        theme=("participation",),
        accrual_periodicity="R/P1D",
        columns=RESPONSE_COLUMNS,
        rows=response_rows,
        temporal_column="created_date",
    )
)
