"""The datasets the city publishes, each read through its app's models and selectors (issue 14).

Rules every dataset keeps: no names, email addresses, phone numbers, account ids or tokens; free text
residents typed is masked as the public pages mask it; only what the public pages show (published
announcements, public spaces, content moderation let through, published conversation reports);
counts of people below OPENDATA_MIN_CELL are published empty (``suppressed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from civicloop.core.text import contact_details_mask, may_hold_contact_details
from civicloop.opendata.registry import (
    Column,
    Coordinate,
    Dataset,
    Geometry,
    IsoUtc,
    Row,
    dataset_get,
    dataset_register,
    iso_utc,
)
from civicloop.opendata.registry import ColumnType as T
from civicloop.opendata.tables import TableQuery, table_rows

CHUNK = 5000
SUPPRESSION_NOTE = (
    "Counts of fewer than {k} people are left empty, so that no one can be picked out of a small group."
)


def suppressed(count: int | None) -> int | None:
    """A count of people as published: empty below the city's k (OPENDATA_MIN_CELL)."""
    if count is None or count < settings.OPENDATA_MIN_CELL:
        return None
    return count


def _masked(text: str | None) -> str | None:
    """Residents' text as published; libphonenumber runs only when the text may hold a number."""
    if not text:
        return None
    return contact_details_mask(text) if may_hold_contact_details(text) else text


# ------------------------------------------------------------------------------------- 311 requests

SERVICE_REQUEST_COLUMNS = (
    Column("sr_number", T.TEXT, "The request's number (Open311 service_request_id)", indexed=True),
    Column("sr_type", T.TEXT, "The service requested", indexed=True),
    Column("sr_short_code", T.TEXT, "The service's code (Open311 service_code)", indexed=True),
    Column("owner_department", T.TEXT, "The department responsible", indexed=True),
    Column("status", T.TEXT, "open or closed", indexed=True),
    Column("detailed_status", T.TEXT, "submitted, acknowledged, in_progress, duplicate, completed …"),
    Column("origin", T.TEXT, "How it was made: web, api (Open311), sms or phone"),
    Column("created_date", T.TIMESTAMP, "When it was made (UTC)", indexed=True),
    Column("last_modified_date", T.TIMESTAMP, "When it last changed (UTC)"),
    Column("closed_date", T.TIMESTAMP, "When it was closed (UTC); empty while open"),
    Column("duplicate", T.BOOLEAN, "True when staff marked it a duplicate of another request"),
    Column("parent_sr_number", T.TEXT, "The request it duplicates"),
    Column("street_address", T.TEXT, "The address or cross streets given"),
    Column("community_area_number", T.INTEGER, "Chicago community area number (1–77)", indexed=True),
    Column("community_area", T.TEXT, "Chicago community area name"),
    Column("latitude", T.NUMBER, "WGS84 latitude"),
    Column("longitude", T.NUMBER, "WGS84 longitude"),
    Column("description", T.TEXT, "What the resident wrote, with email addresses and phone numbers removed"),
    Column("status_notes", T.TEXT, "The department's latest public note, contact details removed"),
)


def _service_requests() -> QuerySet[Any]:
    from civicloop.servicerequests.models import ServiceRequest

    return ServiceRequest.objects.annotate(
        requested=IsoUtc("requested_at"),
        updated=IsoUtc("updated_at"),
        closed=IsoUtc("closed_at"),
        is_duplicate=Case(
            When(detailed_status=ServiceRequest.Detailed.DUPLICATE, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        # Looked up only for duplicates: a join would read the whole table a second time.
        parent_number=Case(
            When(parent__isnull=True, then=Value(None)),
            default=Subquery(
                ServiceRequest.objects.filter(pk=OuterRef("parent_id")).order_by().values("public_id")[:1]
            ),
            output_field=CharField(),
        ),
        # Six decimals (about 10 cm): the same digits whichever database or format writes them.
        latitude_published=Coordinate("latitude"),
        longitude_published=Coordinate("longitude"),
    )


SERVICE_REQUEST_TABLE = TableQuery(
    queryset=_service_requests,
    fields=(
        "public_id",
        "service__name",
        "service__code",
        "service__department",
        "status",
        "detailed_status",
        "channel",
        "requested",
        "updated",
        "closed",
        "is_duplicate",
        "parent_number",
        "address",
        "community_area__number",
        "community_area__name",
        "latitude_published",
        "longitude_published",
        "description",
        "status_notes",
    ),
    order=("requested_at", "id"),
    masked=frozenset({"street_address", "description", "status_notes"}),
    may_hold_contact_details="may_hold_contact_details",
    plain=frozenset(
        {
            "sr_number",
            "status",
            "detailed_status",
            "origin",
            "created_date",
            "last_modified_date",
            "closed_date",
            "parent_sr_number",
        }
    ),
)


dataset_register(
    Dataset(
        identifier="311-service-requests",
        title="311 Service Requests",
        description=(
            "Every 311 service request made to the city by web, text, phone or the Open311 API, with its "
            "service, department, status, times and place. Who made a request is never published; what "
            "residents wrote is published with email addresses and phone numbers removed."
        ),
        keywords=("311", "service requests", "open311", "city services", "response times"),
        theme=("service-requests",),
        accrual_periodicity="R/PT1H",
        columns=SERVICE_REQUEST_COLUMNS,
        rows=lambda: table_rows(dataset_get("311-service-requests")),
        table=SERVICE_REQUEST_TABLE,
        temporal_column="created_date",
        geometry=Geometry.POINT,
    )
)


# --------------------------------------------------------------------------------- 311 service list

SERVICE_COLUMNS = (
    Column("service_code", T.TEXT, "Open311 service_code", indexed=True),
    Column("service_name", T.TEXT, "The service's name in English"),
    Column("service_name_es", T.TEXT, "The service's name in Spanish"),
    Column("department", T.TEXT, "The department responsible (Open311 group)", indexed=True),
    Column("topic", T.TEXT, "The city's topic it belongs to"),
    Column("keywords", T.TEXT, "Plain words residents search with"),
    Column("target_hours", T.INTEGER, "The city's target time to complete a request, in hours"),
    Column("has_questions", T.BOOLEAN, "True when the request form asks service-specific questions"),
    Column("active", T.BOOLEAN, "True while residents can request it"),
    Column("requests_total", T.INTEGER, "Requests made for it so far"),
    Column("requests_open", T.INTEGER, "Of those, still open"),
)


def service_rows() -> Iterator[Row]:
    from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest

    services = (
        Service.objects.order_by("department", "name")
        .annotate(
            has_questions=Exists(ServiceAttribute.objects.filter(service=OuterRef("pk"))),
            requests_total=Count("requests"),
            requests_open=Count("requests", filter=Q(requests__status=ServiceRequest.Status.OPEN)),
        )
        .values_list(
            "code",
            "name",
            "name_es",
            "department",
            "topic__name_en",
            "keywords",
            "sla_hours",
            "has_questions",
            "active",
            "requests_total",
            "requests_open",
        )
    )
    for row in services.iterator(chunk_size=CHUNK):
        yield tuple(value if value != "" else None for value in row)


dataset_register(
    Dataset(
        identifier="311-services",
        title="311 Services",
        description=(
            "The services residents can request through 311, with the department responsible, the "
            "city's target time to complete each, and how many requests each has received."
        ),
        keywords=("311", "services", "open311", "departments"),
        theme=("service-requests",),
        accrual_periodicity="R/P1D",
        columns=SERVICE_COLUMNS,
        rows=service_rows,
    )
)


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


# ------------------------------------------------------------------------------------ conversations


def _conversations():  # type: ignore[no-untyped-def]
    from civicloop.deliberation.opendata import open_data_conversations

    return open_data_conversations()


def _conversation_rows(table: str) -> Iterator[Row]:
    from civicloop.deliberation.opendata import open_data_rows

    for conversation in _conversations():
        rows = open_data_rows(conversation, table)
        next(rows)  # its header
        for row in rows:
            values = [None if value == "" else value for value in row]
            if table == "statements":
                values[1] = _masked(str(values[1]))
            yield (conversation.pk, *values)


def _has_conversations() -> bool:
    return bool(_conversations())


CONVERSATION = Column("conversation_id", T.INTEGER, "The conversation's number", indexed=True)
_DESCRIPTION = (
    "From the city's opinion-mapping conversations whose report is published: participants appear "
    "only by their number in the conversation, never by name or contact."
)
for identifier, title, table, columns in (
    (
        "conversation-statements",
        "Conversation Statements",
        "statements",
        (
            CONVERSATION,
            Column("statement", T.INTEGER, "The statement's number in its conversation"),
            Column("text", T.TEXT, "The statement, contact details removed"),
            Column("created", T.TIMESTAMP, "When it was written (UTC, to the hour)"),
            Column("moderation", T.TEXT, "accepted (only accepted statements are published)"),
            Column("agrees", T.INTEGER, "Agree votes"),
            Column("disagrees", T.INTEGER, "Disagree votes"),
            Column("passes", T.INTEGER, "Pass votes"),
        ),
    ),
    (
        "conversation-votes",
        "Conversation Votes",
        "votes",
        (
            CONVERSATION,
            Column("participant", T.INTEGER, "The participant's anonymous number in the conversation"),
            Column("statement", T.INTEGER, "The statement's number"),
            Column("vote", T.INTEGER, "1 agree, -1 disagree, 0 pass"),
            Column("hour", T.TIMESTAMP, "The hour it was cast (UTC)"),
        ),
    ),
    (
        "conversation-groups",
        "Conversation Opinion Groups",
        "groups",
        (
            CONVERSATION,
            Column("group_id", T.INTEGER, "The opinion group"),
            Column("kind", T.TEXT, "member (a participant in the group) or representative (a statement)"),
            Column("participant", T.INTEGER, "For member rows: the participant's anonymous number"),
            Column("statement", T.INTEGER, "For representative rows: the statement's number"),
            Column("direction", T.TEXT, "For representative rows: agree or disagree"),
            Column("agree", T.NUMBER, "Share of the group that agreed"),
            Column("disagree", T.NUMBER, "Share of the group that disagreed"),
        ),
    ),
):
    dataset_register(
        Dataset(
            identifier=identifier,
            title=title,
            description=_DESCRIPTION,
            keywords=("conversations", "opinion mapping", "deliberation", "polis"),
            theme=("participation",),
            accrual_periodicity="R/P1D",
            columns=columns,
            rows=lambda table=table: _conversation_rows(table),  # type: ignore[misc]
            available=_has_conversations,
        )
    )


# ------------------------------------------------------------------------ participation by area, month

PARTICIPATION_COLUMNS = (
    Column("community_area_number", T.INTEGER, "Chicago community area number (1–77)", indexed=True),
    Column("community_area", T.TEXT, "Chicago community area name"),
    Column("month", T.DATE, "The month (YYYY-MM)", indexed=True),
    Column(
        "participants",
        T.INTEGER,
        "Residents of the area who posted an idea or comment, supported an idea, voted in a "
        "conversation or filed a 311 request that month (empty when fewer than k)",
    ),
    Column("population_2020", T.INTEGER, "The area's population in the 2020 census"),
    Column("participants_per_1000", T.NUMBER, "Participants per 1,000 residents (empty when fewer than k)"),
)


def participation_rows() -> Iterator[Row]:
    from civicloop.insights.selectors import participation_by_area_month

    for row in participation_by_area_month():
        yield tuple(row)


dataset_register(
    Dataset(
        identifier="participation-by-area-month",
        title="Participation by Community Area and Month",
        description=(
            "How many residents of each community area took part each month (ideas, comments, "
            "support, conversation votes, 311 requests), against the area's 2020 population. Counts of "
            "people only; small counts are left empty."
        ),
        keywords=("participation", "community areas", "equity", "engagement"),
        theme=("participation",),
        accrual_periodicity="R/P1D",
        columns=PARTICIPATION_COLUMNS,
        rows=participation_rows,
        temporal_column="month",
        geometry=Geometry.AREA,
        suppression_note=SUPPRESSION_NOTE,
    )
)
