"""Filing a request (services/filing.py): placed in its community area, numbered, given a target time
and its first status; an unknown service is not found."""

import pytest

from civicloop.core.errors import NotFound
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.servicerequests.tests.conftest import pothole

pytestmark = pytest.mark.django_db


def test_a_request_is_mapped_to_its_community_area_and_gets_a_target_time(catalogue):
    request = service_request_create(data=pothole(catalogue, description="Deep hole", email="A@Example.org"))

    assert request.community_area is not None and request.community_area.name == "Lower West Side"
    assert request.public_id.count("-") == 1 and request.token
    assert request.expected_at is not None and request.expected_at > request.requested_at
    assert request.email == "a@example.org"
    assert request.changes.get().detailed_status == "submitted"


def test_an_unknown_service_is_not_found(catalogue):
    with pytest.raises(NotFound):
        service_request_create(
            data=RequestInput(service_code="nope", latitude="41.8575", longitude="-87.6563")
        )
