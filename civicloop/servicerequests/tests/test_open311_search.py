"""The Open311 search's SQL (selectors.request_search) answers exactly what the same search through the ORM does."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civicloop.servicerequests import selectors
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_create,
    service_request_status_change,
)

pytestmark = pytest.mark.django_db

NAMES = ["Pothole in Street Complaint", "Rodent Baiting/Rat Complaint", "Alley Light Out Complaint"]
ATTRIBUTES = {NAMES[0]: {"WHEREIST": ["TRAFFIC"]}, NAMES[1]: {"SEEN": ["ALLEY"]}}


@pytest.fixture
def filed(catalogue):
    """24 requests over 120 days, three services, some closed, one outside any area (address only)."""
    now = timezone.now()
    for number in range(24):
        name = NAMES[number % 3]
        location = (
            {"address": "121 N LaSalle St"}
            if number == 5
            else {"latitude": "41.8575", "longitude": "-87.6563"}
        )
        request = service_request_create(
            data=RequestInput(
                service_code=catalogue[name].code,
                attributes=ATTRIBUTES.get(name, {}),
                description=f"n{number}",
                **location,
            ),
            now=now - timedelta(days=number * 5, hours=number),
        )
        if number % 4 == 0:
            service_request_status_change(
                request=request,
                detailed_status=ServiceRequest.Detailed.COMPLETED,
                now=now - timedelta(days=number),
            )
    return {name: catalogue[name].code for name in NAMES}, now


def orm_search(filters: selectors.RequestFilters) -> list[dict]:
    """The reference: the same search written with the ORM."""
    requests = ServiceRequest.objects.all()
    if filters.ids:
        requests = requests.filter(public_id__in=filters.ids)
        window = slice(0, selectors.SEARCH_MAX)
    else:
        if filters.service_codes:
            requests = requests.filter(service__code__in=filters.service_codes)
        if filters.statuses:
            requests = requests.filter(status__in=filters.statuses)
        for lookup, value in [
            ("requested_at__gte", filters.start),
            ("requested_at__lte", filters.end),
            ("updated_at__gte", filters.updated_after),
            ("updated_at__lte", filters.updated_before),
        ]:
            if value is not None:
                requests = requests.filter(**{lookup: value})
        offset = (filters.page - 1) * filters.page_size
        window = slice(offset, offset + filters.page_size)
    fields = [*selectors.PUBLIC_FIELDS, "service__code", "service__name"]
    if filters.with_notes:
        fields += ["channel", "community_area__name", "community_area__number"]
    return list(requests.order_by("-requested_at", "-id").values(*fields)[window])


DAYS = st.none() | st.integers(min_value=-5, max_value=130)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    services=st.lists(st.sampled_from([0, 1, 2, 3]), max_size=3, unique=True),
    statuses=st.lists(st.sampled_from(["open", "closed"]), max_size=2, unique=True),
    start=DAYS,
    end=DAYS,
    updated_after=DAYS,
    updated_before=DAYS,
    page=st.integers(min_value=1, max_value=4),
    page_size=st.integers(min_value=1, max_value=30),
    with_notes=st.booleans(),
    ids=st.lists(st.integers(min_value=0, max_value=30), max_size=4),
)
def test_the_sql_search_matches_the_orm(
    filed, services, statuses, start, end, updated_after, updated_before, page, page_size, with_notes, ids
):
    codes, now = filed
    known = list(ServiceRequest.objects.order_by("id").values_list("public_id", flat=True))
    ago = lambda days: None if days is None else now - timedelta(days=days)  # noqa: E731
    filters = selectors.RequestFilters(
        ids=[known[i] if i < len(known) else f"26-{i:08d}9" for i in ids],
        service_codes=[list(codes.values())[i] if i < 3 else "no-such-code" for i in services],
        statuses=statuses,
        start=ago(start),
        end=ago(end),
        updated_after=ago(updated_after),
        updated_before=ago(updated_before),
        page=page,
        page_size=page_size,
        with_notes=with_notes,
    )
    found = selectors.request_search(filters)
    for row in found:
        row.pop("notes", None)
    assert found == orm_search(filters)


def test_notes_are_the_public_timeline_oldest_first(filed):
    closed = ServiceRequest.objects.filter(status="closed").order_by("id")[0]
    [row] = selectors.request_search(selectors.RequestFilters(ids=[closed.public_id], with_notes=True))
    assert [note["detailed_status"] for note in row["notes"]] == ["submitted", "completed"]
