"""The workflow (services/status_changes.py): status changes close a request and keep its timeline; a
duplicate needs its parent."""

import pytest

from civicloop.servicerequests.services import (
    ServiceRequestInvalid,
    service_request_create,
    service_request_status_change,
)
from civicloop.servicerequests.tests.conftest import pothole

pytestmark = pytest.mark.django_db


def test_status_changes_close_and_keep_a_timeline(catalogue):
    request = service_request_create(data=pothole(catalogue))
    service_request_status_change(request=request, detailed_status="acknowledged", note="Crew assigned")
    service_request_status_change(request=request, detailed_status="completed", note="Filled")

    request.refresh_from_db()
    assert request.status == "closed" and request.closed_at is not None
    assert list(request.changes.values_list("detailed_status", flat=True)) == [
        "submitted",
        "acknowledged",
        "completed",
    ]


def test_a_duplicate_needs_its_parent(catalogue):
    first = service_request_create(data=pothole(catalogue))
    second = service_request_create(data=pothole(catalogue))

    with pytest.raises(ServiceRequestInvalid):
        service_request_status_change(request=second, detailed_status="duplicate")
    service_request_status_change(request=second, detailed_status="duplicate", parent=first)
    assert list(first.duplicates.all()) == [second]
