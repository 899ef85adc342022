"""The 311 datasets: every service request (read as one query, see tables), and the services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from civicloop.opendata.datasets.publication_rules import CHUNK
from civicloop.opendata.registry import (
    Column,
    Coordinate,
    Dataset,
    Geometry,
    IsoUtc,
    Row,
    dataset_get,
    dataset_register,
)
from civicloop.opendata.registry import ColumnType as T
from civicloop.opendata.tables import TableQuery, table_rows

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
