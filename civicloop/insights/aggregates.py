"""The set-based reads behind `insights_refresh`: every count, median and percentile is computed by the
database (GROUP BY, COUNT(DISTINCT), window functions), in SQL that SQLite and PostgreSQL both run.

Definitions (the dashboards and the open data say the same):

- **Participant**: a distinct person who, in the period, posted an idea or a comment, supported an idea
  (in a public space), voted in an opinion-mapping conversation, or filed a 311 request. City staff
  (accounts with a staff role) and official replies are not participation; removed (spam) posts and
  votes a moderator excluded as coordinated are left out.
- **Who is one person**: an engage light account (`engage.Participant`) is one person whatever they
  did; a 311 requester who left an email or phone is the same person as the light account on that
  contact point, or else one person per contact point; a request with no contact at all is one person
  on its own (there is nobody to recognise twice). A Polis participant imported without a light
  account is one person in that conversation, with no known area.
- **Their community area**: the area on their staff-free account profile (`accounts.User.community_area`)
  when their light account has one; otherwise the area of what they posted: an idea's area, the idea's
  area for a comment or a support, the request's area for a 311 request. Someone without a profile
  area who posted in two areas in a period counts in both areas, and once in the city total.
- **Month**: the calendar month in the city's time zone (settings.TIME_ZONE) of the action.
- **311 response time**: from `requested_at` to `closed_at` of closed requests, not counting those
  closed as duplicates; a request counts in the month it was closed. Within target: closed within its
  service's `sla_hours`.
- **Official reply time**: from an idea's creation to the first official comment or the first status
  change after the one given at creation, whichever came first; ideas in public spaces only.
- **Median / 90th percentile**: nearest rank (the smallest duration whose cumulative share of the
  group's durations reaches 50% / 90%), from CUME_DIST() over each group.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, CumeDist, Least, TruncMonth

from civicloop.accounts.models import Role
from civicloop.deliberation.models import Vote
from civicloop.delivery.models import Delivery
from civicloop.engage.models import (
    Comment,
    Idea,
    IdeaStatusChange,
    ModerationState,
    Participant,
    Space,
    Support,
)
from civicloop.servicerequests.models import Follower, ServiceRequest

# A person key is an integer: the id of what identifies them, times 4, plus what kind of id it is.
PERSON_KINDS = 4
RESIDENT, CONTACT, REQUEST, IMPORTED = 0, 1, 2, 3
SECONDS_PER_DAY = 86_400


class SecondsBetween(Func):
    """Seconds from `start` to `end` (a float), the same on SQLite and PostgreSQL."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def _between(self, compiler: Any, template: str) -> tuple[str, list[Any]]:
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return template.format(end=end, start=start), [*end_params, *start_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return self._between(compiler, "EXTRACT(EPOCH FROM ({end} - {start}))")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return self._between(compiler, "((julianday({end}) - julianday({start})) * 86400.0)")


def month_key(value: Any) -> str:
    """'YYYY-MM' from a truncated month as either database returns it (text on SQLite, a datetime)."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m")
    return str(value)[:7]


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _person(field: str, kind: int) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) * PERSON_KINDS + kind, output_field=BigIntegerField())


def _not_staff(prefix: str) -> Q:
    return Q(**{f"{prefix}user__isnull": True}) | Q(**{f"{prefix}user__role": Role.RESIDENT})


def _rows(queryset: QuerySet[Any], at: str) -> QuerySet[Any]:
    """(person, area, month) rows, distinct, in this column order for the UNION."""
    return queryset.order_by().annotate(month=TruncMonth(at)).values("person", "area", "month").distinct()


def _participation_union(since: datetime | None) -> tuple[str, tuple[Any, ...]]:
    """SQL for the distinct (person, area, month) rows of every kind of participation since `since`."""
    public = Space.Visibility.PUBLIC
    when = (lambda field: Q(**{f"{field}__gte": since})) if since else (lambda field: Q())
    ideas = Idea.objects.filter(
        _not_staff("author__"), when("created_at"), question__space__visibility=public
    ).exclude(moderation_state=ModerationState.REMOVED)
    ideas = ideas.annotate(
        person=_person("author_id", RESIDENT),
        area=Coalesce(F("author__user__community_area"), F("community_area")),
    )
    comments = Comment.objects.filter(
        _not_staff("author__"),
        when("created_at"),
        is_official=False,
        idea__question__space__visibility=public,
    ).exclude(moderation_state=ModerationState.REMOVED)
    comments = comments.annotate(
        person=_person("author_id", RESIDENT),
        area=Coalesce(F("author__user__community_area"), F("idea__community_area")),
    )
    supports = Support.objects.filter(
        _not_staff("participant__"), when("created_at"), idea__question__space__visibility=public
    ).annotate(
        person=_person("participant_id", RESIDENT),
        area=Coalesce(F("participant__user__community_area"), F("idea__community_area")),
    )
    votes = (
        Vote.objects.filter(when("created_at"), participant__excluded_at__isnull=True)
        .filter(Q(conversation__space__isnull=True) | Q(conversation__space__visibility=public))
        .filter(_not_staff("participant__resident__"))
        .annotate(
            person=Case(
                When(
                    participant__resident__isnull=False,
                    then=F("participant__resident_id") * PERSON_KINDS + RESIDENT,
                ),
                default=F("participant_id") * PERSON_KINDS + IMPORTED,
                output_field=BigIntegerField(),
            ),
            area=F("participant__resident__user__community_area"),
        )
    )
    requester = Follower.objects.filter(request=OuterRef("pk"), is_requester=True).order_by("id")
    known = Participant.objects.filter(contact_point=OuterRef("requester"))
    requests = (
        ServiceRequest.objects.filter(when("requested_at"))
        .annotate(requester=Subquery(requester.values("contact_point")[:1]))
        .annotate(
            resident=Subquery(known.values("pk")[:1]),
            resident_area=Subquery(known.values("user__community_area")[:1]),
        )
        .annotate(
            person=Coalesce(
                F("resident") * PERSON_KINDS + RESIDENT,
                F("requester") * PERSON_KINDS + CONTACT,
                F("pk") * PERSON_KINDS + REQUEST,
                output_field=BigIntegerField(),
            ),
            area=Coalesce(F("resident_area"), F("community_area"), output_field=IntegerField()),
        )
    )
    branches = [
        _rows(ideas, "created_at"),
        _rows(comments, "created_at"),
        _rows(supports, "created_at"),
        _rows(votes, "created_at"),
        _rows(requests, "requested_at"),
    ]
    union = branches[0].union(*branches[1:], all=True)
    sql, params = union.query.sql_with_params()
    return sql, tuple(params)


def participants_by_area_month() -> list[tuple[int, str, int]]:
    """(community area id, 'YYYY-MM', distinct participants) for every area and month with any."""
    sql, params = _participation_union(None)
    rows = _fetch(
        f"SELECT area, month, COUNT(DISTINCT person) FROM ({sql}) u "  # noqa: S608 (our own SQL)
        "WHERE area IS NOT NULL GROUP BY area, month",
        params,
    )
    return [(int(area), month_key(month), int(count)) for area, month, count in rows]


def participants_by_month() -> dict[str, int]:
    """'YYYY-MM' -> distinct participants in the city that month (each person once)."""
    sql, params = _participation_union(None)
    rows = _fetch(f"SELECT month, COUNT(DISTINCT person) FROM ({sql}) u GROUP BY month", params)  # noqa: S608
    return {month_key(month): int(count) for month, count in rows}


def participants_since(since: datetime) -> tuple[dict[int, int], int]:
    """Distinct participants since `since`: per community area id, and in the whole city (once each)."""
    sql, params = _participation_union(since)
    rows = _fetch(
        f"SELECT area, COUNT(DISTINCT person) FROM ({sql}) u WHERE area IS NOT NULL GROUP BY area",  # noqa: S608
        params,
    )
    city = _fetch(f"SELECT COUNT(DISTINCT person) FROM ({sql}) u", params)  # noqa: S608
    return {int(area): int(count) for area, count in rows}, int(city[0][0])


def duration_summary(
    queryset: QuerySet[Any], *, start: str, end: str, groups: Sequence[str], target: Any = None
) -> list[dict[str, Any]]:
    """Per group of `groups` (annotation or field names): n, nearest-rank median and 90th percentile
    of the durations from `start` to `end` in days, and the share within `target` seconds if given.

    The durations are ranked by a window function in the database; nothing is loaded per row.
    """
    partition = [F(name) for name in groups] or None
    ranked = queryset.order_by().annotate(seconds=SecondsBetween(F(end), F(start)))
    ranked = ranked.annotate(
        cd=Window(CumeDist(), partition_by=partition, order_by=F("seconds").asc()),
        hit=Case(When(seconds__lte=target, then=Value(1)), default=Value(0), output_field=IntegerField())
        if target is not None
        else Value(0, output_field=IntegerField()),
    ).values(*groups, "seconds", "cd", "hit")
    sql, params = ranked.query.sql_with_params()
    keys = ", ".join(_q(name) for name in groups)
    select = f"{keys}, " if keys else ""
    group_by = f" GROUP BY {keys}" if keys else ""
    rows = _fetch(
        f"SELECT {select}COUNT(*), "  # noqa: S608 (quoted names of our own annotations)
        "MIN(CASE WHEN cd >= 0.5 THEN seconds END), MIN(CASE WHEN cd >= 0.9 THEN seconds END), "
        f"SUM(hit) FROM ({sql}) r{group_by}",
        params,
    )
    summaries = []
    for row in rows:
        *keys_values, n, median, p90, hits = row
        if not n:
            continue
        summary: dict[str, Any] = dict(zip(groups, keys_values, strict=True))
        if "month" in summary:
            summary["month"] = month_key(summary["month"])
        summary.update(
            n=int(n),
            median_days=round(float(median) / SECONDS_PER_DAY, 2),
            p90_days=round(float(p90) / SECONDS_PER_DAY, 2),
            within_target=round(int(hits or 0) / int(n), 4) if target is not None else None,
        )
        summaries.append(summary)
    return summaries


def closed_requests(since: datetime | None = None) -> QuerySet[ServiceRequest]:
    """Closed 311 requests (not duplicates), with dept, svc, area and month (of closing) to group by."""
    queryset = ServiceRequest.objects.filter(
        status=ServiceRequest.Status.CLOSED, closed_at__isnull=False
    ).exclude(detailed_status=ServiceRequest.Detailed.DUPLICATE)
    if since is not None:
        queryset = queryset.filter(closed_at__gte=since)
    return queryset.annotate(
        dept=F("service__department"),
        svc=F("service_id"),
        area=F("community_area_id"),
        month=TruncMonth("closed_at"),
    )


def request_target() -> Any:
    return ExpressionWrapper(F("service__sla_hours") * 3600, output_field=FloatField())


def request_counts_by_area(since: datetime) -> list[tuple[int, int, str, int]]:
    """(area id, service id, status, requests) for requests made since `since` with a known area."""
    rows = (
        ServiceRequest.objects.filter(requested_at__gte=since, community_area__isnull=False)
        .order_by()
        .values_list("community_area_id", "service_id", "status")
        .annotate(n=Count("id"))
    )
    return [(int(area), int(service), str(status), int(n)) for area, service, status, n in rows]


def ideas_with_first_reply(since: datetime | None = None) -> QuerySet[Idea]:
    """Ideas in public spaces (not removed), with `answered_at`: the first official response, if any."""
    queryset = Idea.objects.filter(question__space__visibility=Space.Visibility.PUBLIC).exclude(
        moderation_state=ModerationState.REMOVED
    )
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    official = Subquery(
        Comment.objects.filter(idea=OuterRef("pk"), is_official=True)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    # The status given at creation is not an answer; any later change is the city's.
    status = Subquery(
        IdeaStatusChange.objects.filter(idea=OuterRef("pk"), created_at__gt=OuterRef("created_at"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return queryset.annotate(
        answered_at=Least(Coalesce(official, status), Coalesce(status, official)),
        dept=F("question__department"),
        month=TruncMonth("created_at"),
    )


def idea_counts(queryset: QuerySet[Idea], groups: Sequence[str]) -> list[dict[str, Any]]:
    """Ideas and answered ideas per group."""
    counts = {"ideas": Count("id"), "answered": Count("id", filter=Q(answered_at__isnull=False))}
    if not groups:
        return [queryset.order_by().aggregate(**counts)]
    rows = queryset.order_by().values(*groups).annotate(**counts)
    result = []
    for row in rows:
        row = dict(row)
        if "month" in row:
            row["month"] = month_key(row["month"])
        result.append(row)
    return result


DELIVERED = [Delivery.Status.DELIVERED]
SENT = [Delivery.Status.SENT, Delivery.Status.DELIVERED]
FAILED = [Delivery.Status.FAILED, Delivery.Status.BOUNCED]


def delivery_reach(since: datetime) -> list[dict[str, Any]]:
    """Per channel and language, deliveries of messages created since `since`: total, sent, delivered,
    failed (bounced included). Counts only; no recipient is read."""
    rows = (
        Delivery.objects.filter(message__created_at__gte=since)
        .order_by()
        .values("channel", "language")
        .annotate(
            total=Count("id"),
            sent=Count("id", filter=Q(status__in=SENT)),
            delivered=Count("id", filter=Q(status__in=DELIVERED)),
            failed=Count("id", filter=Q(status__in=FAILED)),
        )
    )
    return [dict(row) for row in rows]


def delivery_by_month() -> list[dict[str, Any]]:
    """Per month of the message and channel: deliveries sent (delivered included)."""
    rows = (
        Delivery.objects.filter(status__in=SENT)
        .order_by()
        .annotate(month=TruncMonth("message__created_at"))
        .values("month", "channel")
        .annotate(sent=Count("id"))
    )
    return [{**row, "month": month_key(row["month"])} for row in rows]
