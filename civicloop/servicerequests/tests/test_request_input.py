"""What a resident or an Open311 client sent, checked (services/request_input.py): location,
attributes, description and contact; bad input is refused and nothing is stored."""

import pytest

from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import ServiceRequestInvalid, service_request_create
from civicloop.servicerequests.tests.conftest import pothole

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"latitude": "", "longitude": ""}, "location is required"),
        ({"latitude": "abc"}, "decimal degrees"),
        ({"longitude": ""}, "together"),
        ({"latitude": "41.85", "longitude": "-87.90"}, "outside the City"),
        ({"latitude": "91", "longitude": "0"}, "out of range"),
        ({"attributes": {}}, "WHEREIST is required"),
        ({"attributes": {"WHEREIST": ["MOON"]}}, "no value"),
        ({"attributes": {"WHEREIST": ["TRAFFIC"], "SIZE": ["big"]}}, "must be a number"),
        ({"attributes": {"WHEREIST": ["TRAFFIC"], "NOTICED": ["yesterday"]}}, "W3C datetime"),
        ({"attributes": {"WHEREIST": ["TRAFFIC"], "COLOR": ["red"]}}, "Unknown attribute"),
        ({"description": "x" * 4001}, "longer than 4000"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(catalogue, overrides, message):
    with pytest.raises(ServiceRequestInvalid) as error:
        service_request_create(data=pothole(catalogue, **overrides))

    assert message in error.value.message
    assert ServiceRequest.objects.count() == 0


def test_an_address_alone_is_a_location(catalogue):
    request = service_request_create(
        data=pothole(catalogue, latitude="", longitude="", address="1200 W 81st St")
    )

    assert request.address == "1200 W 81st St" and request.latitude is None
