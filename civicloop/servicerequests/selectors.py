"""Reads for 311: the service catalogue and the public request search (Open311 GET)."""

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, Field, Model, OuterRef, Prefetch, QuerySet

from civicloop.core.errors import NotFound
from civicloop.places.models import CommunityArea
from civicloop.servicerequests.models import (
    RequestsVersion,
    Service,
    ServiceAttribute,
    ServiceRequest,
    StatusChange,
)

SEARCH_MAX = 1000  # the spec's default cap; page_size can never go beyond it


@dataclass(frozen=True)
class RequestFilters:
    """A parsed, validated request search; ids, when given, override every other filter."""

    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = 50
    with_notes: bool = False
    # The default window (the last 90 days up to now) moves with the clock; a given one does not.
    window_moves: bool = False


def service_list() -> QuerySet[Service]:
    """Active services, each annotated with has_attributes (Open311 metadata) in the same query."""
    attributes = ServiceAttribute.objects.filter(service=OuterRef("pk"))
    return (
        Service.objects.filter(active=True)
        .annotate(has_attributes=Exists(attributes))
        .order_by("department", "name")
    )


def service_definition_get(*, code: str) -> Service:
    """An active service with its attributes prefetched; NotFound if unknown or without a definition."""
    service = (
        Service.objects.filter(code=code, active=True)
        .prefetch_related(Prefetch("attributes", queryset=ServiceAttribute.objects.order_by("order", "id")))
        .first()
    )
    if service is None or not service.attributes.all():
        raise NotFound(f"No service definition for {code!r}.")
    return service


# The Open311 search is the API's hot path: on a 50-request page, Django building and compiling
# the query took longer than running it, and model instances longer still (docs/benchmarks.md).
# So it is written as SQL over the models' own table and column names, read as plain rows, and
# checked against the same search through the ORM in tests/test_open311_search.py.
PUBLIC_FIELDS = [
    "id",
    "public_id",
    "status",
    "status_notes",
    "description",
    "agency_responsible",
    "requested_at",
    "updated_at",
    "expected_at",
    "address",
    "address_id",
    "latitude",
    "longitude",
    "media_url",
]
DATETIME_FIELDS = ("requested_at", "updated_at", "expected_at")
NOTE_FIELDS = ["request_id", "created_at", "detailed_status", "note"]

PublicRow = dict[str, Any]


def _column(model: type[Model], name: str) -> str:
    return _column_quoted(connection.vendor, model, name)


# Kept: a single request's page built its 20-odd quoted names afresh, an eighth of its time in Python.
@functools.cache
def _column_quoted(vendor: str, model: type[Model], name: str) -> str:
    """The field's "table"."column", quoted for the database `vendor` names (the connection's)."""
    quote = connection.ops.quote_name
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # a concrete column, never a relation's reverse
    return f"{quote(model._meta.db_table)}.{quote(field.column)}"


def _placeholders(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _search_sql(filters: RequestFilters) -> tuple[str, list[Any]]:
    """The SELECT for one page: (sql, params); every value a parameter, never pasted in."""
    quote = connection.ops.quote_name
    column = functools.partial(_column_quoted, connection.vendor)
    request_table, service_table = quote(ServiceRequest._meta.db_table), quote(Service._meta.db_table)
    area_table = quote(CommunityArea._meta.db_table)
    columns = [column(ServiceRequest, name) for name in PUBLIC_FIELDS]
    if filters.ids:
        # Requests by id (an app polling its requests): the service's code and name by subquery,
        # which PostgreSQL plans and runs in half the time of the join (0.14 against 0.27 ms).
        columns += [
            f"(SELECT {column(Service, name)} FROM {service_table}"  # noqa: S608 (quoted model names)
            f" WHERE {column(Service, 'id')} = {column(ServiceRequest, 'service')})"
            for name in ("code", "name")
        ]
        joins = ""
    else:
        columns += [column(Service, "code"), column(Service, "name")]
        joins = f"INNER JOIN {service_table} ON {column(ServiceRequest, 'service')} = {column(Service, 'id')}"
    if filters.with_notes:
        columns += [
            column(ServiceRequest, "channel"),
            column(CommunityArea, "name"),
            column(CommunityArea, "number"),
        ]
        joins += (
            f" LEFT OUTER JOIN {area_table}"
            f" ON {column(ServiceRequest, 'community_area')} = {column(CommunityArea, 'id')}"
        )
    where: list[str] = []
    params: list[Any] = []

    def condition(sql: str, *values: Any) -> None:
        where.append(sql)
        params.extend(values)

    datetime_value = connection.ops.adapt_datetimefield_value
    if filters.ids:
        ids = filters.ids[:SEARCH_MAX]
        if len(ids) == 1:  # one request: an equality and no sort, 25 µs less of PostgreSQL's time
            condition(f"{column(ServiceRequest, 'public_id')} = %s", ids[0])
        else:
            condition(f"{column(ServiceRequest, 'public_id')} IN ({_placeholders(ids)})", *ids)
        size, offset = None, 0  # at most SEARCH_MAX ids: every one found is on the page
    else:
        if len(filters.service_codes) == 1:
            # A scalar subquery lets PostgreSQL walk request_service_idx newest first; through
            # the join it filtered the whole window instead (3.5 ms against 0.3 ms at 1,000,000).
            condition(
                f"{column(ServiceRequest, 'service')} = (SELECT {column(Service, 'id')} FROM"  # noqa: S608 (quoted model names; values are parameters)
                f" {service_table} WHERE {column(Service, 'code')} = %s LIMIT 1)",
                filters.service_codes[0],
            )
        elif filters.service_codes:
            codes = filters.service_codes
            condition(f"{column(Service, 'code')} IN ({_placeholders(codes)})", *codes)
        if filters.statuses:
            statuses = filters.statuses
            condition(f"{column(ServiceRequest, 'status')} IN ({_placeholders(statuses)})", *statuses)
        bounds = [
            ("requested_at", ">=", filters.start),
            ("requested_at", "<=", filters.end),
            ("updated_at", ">=", filters.updated_after),
            ("updated_at", "<=", filters.updated_before),
        ]
        for name, operator, moment in bounds:
            if moment is not None:
                condition(f"{column(ServiceRequest, name)} {operator} %s", datetime_value(moment))
        size = min(filters.page_size, SEARCH_MAX)
        offset = (filters.page - 1) * size
    sql = (
        f"SELECT {', '.join(columns)} FROM {request_table} {joins}"  # noqa: S608 (quoted model names; values are parameters)
        f"{' WHERE ' + ' AND '.join(where) if where else ''}"
    )
    if len(filters.ids) != 1:
        sql += f" ORDER BY {column(ServiceRequest, 'requested_at')} DESC, {column(ServiceRequest, 'id')} DESC"
    if size is None:
        return sql, params
    return f"{sql} LIMIT %s OFFSET %s", [*params, size, offset]


ROW_KEYS = [*PUBLIC_FIELDS, "service__code", "service__name"]
EXTENSION_KEYS = ["channel", "community_area__name", "community_area__number"]


def _moment(value: Any) -> datetime | None:
    """A stored datetime as an aware datetime: SQLite's are naive UTC, PostgreSQL's aware already."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def request_search(filters: RequestFilters) -> list[PublicRow]:
    """One page of requests as rows, newest first, in one query (two with notes)."""
    sql, params = _search_sql(filters)
    keys = [*ROW_KEYS, *EXTENSION_KEYS] if filters.with_notes else ROW_KEYS
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(keys, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name in DATETIME_FIELDS:
            row[name] = _moment(row[name])
    if filters.with_notes:
        _notes_attach(rows)
    return rows


def _notes_attach(rows: list[PublicRow]) -> None:
    """Each row's public timeline as row["notes"], oldest first, in one query for the page."""
    by_request: dict[int, list[PublicRow]] = {row["id"]: [] for row in rows}
    for change in (
        StatusChange.objects.filter(request_id__in=list(by_request), public=True)
        .order_by("created_at", "id")
        .values(*NOTE_FIELDS)
    ):
        by_request[change["request_id"]].append(change)
    for row in rows:
        row["notes"] = by_request[row["id"]]


def requests_version() -> str | None:
    """The public request lists' version (services.requests_version_bump); None before any change."""
    # Plain SQL: on a cached Open311 list this is the only query, and the ORM took longer to build it.
    table = connection.ops.quote_name(RequestsVersion._meta.db_table)
    sql = (
        f"SELECT {_column(RequestsVersion, 'token')}, {_column(RequestsVersion, 'number')}"  # noqa: S608 (quoted model names)
        f" FROM {table} WHERE {_column(RequestsVersion, 'id')} = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchone()
    return f"{found[0]}:{found[1]}" if found else None


def request_get(*, public_id: str, with_notes: bool = False) -> PublicRow:
    found = request_search(RequestFilters(ids=[public_id], with_notes=with_notes))
    if not found:
        raise NotFound(f"No request {public_id!r}.")
    return found[0]


def request_for_token(*, token: str) -> ServiceRequest:
    request = ServiceRequest.objects.filter(token=token).only("public_id", "token").first()
    if request is None:
        raise NotFound(f"No request for token {token!r}.")
    return request
