"""Reads for residents' pages and texts (web_selectors.py): a request's one-line status in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicloop.core.errors import NotFound
from civicloop.servicerequests.services import service_request_create, service_request_status_change
from civicloop.servicerequests.tests.conftest import pothole
from civicloop.servicerequests.web_selectors import service_request_for_status_text

pytestmark = pytest.mark.django_db


def test_a_requests_status_for_a_text_is_one_query_of_its_number_service_and_status(catalogue):
    request = service_request_create(data=pothole(catalogue))
    service_request_status_change(request=request, detailed_status="acknowledged", note="Crew assigned")

    with CaptureQueriesContext(connection) as queries:
        found = service_request_for_status_text(request.public_id)
        line = (found.public_id, found.service.name, found.get_detailed_status_display(), found.updated_at)
    assert len(queries) == 1
    request.refresh_from_db()
    assert line == (request.public_id, "Pothole in Street Complaint", "Acknowledged", request.updated_at)
    assert "community_area" not in queries[0]["sql"] and "description" not in queries[0]["sql"]


def test_a_number_that_does_not_exist_is_not_found(catalogue):
    with pytest.raises(NotFound):
        service_request_for_status_text("SR26-00000000")
