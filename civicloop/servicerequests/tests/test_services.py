import pytest
from django.core.management import call_command

from civicloop.core.errors import NotFound
from civicloop.servicerequests.models import ApiClient, Service, ServiceAttribute, ServiceRequest
from civicloop.servicerequests.services import (
    ApiKeyInvalid,
    RequestInput,
    ServiceRequestInvalid,
    api_client_for_key,
    api_client_issue,
    api_client_revoke,
    service_request_create,
    service_request_status_change,
    services_load,
)

pytestmark = pytest.mark.django_db
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}


def pothole(catalogue, **overrides):
    values = {
        "service_code": catalogue["Pothole in Street Complaint"].code,
        **PILSEN,
        "attributes": {"WHEREIST": ["TRAFFIC"]},
    }
    values.update(overrides)
    return RequestInput(**values)


def test_all_191_services_load_with_a_department_and_ten_definitions_use_every_datatype(catalogue):
    assert len(catalogue) == 191
    assert not Service.objects.filter(department="").exists()
    assert Service.objects.filter(attributes__isnull=False).distinct().count() == 10
    assert set(ServiceAttribute.objects.values_list("datatype", flat=True)) == set(
        ServiceAttribute.Datatype.values
    )
    assert catalogue["Pothole in Street Complaint"].department == "Transportation"
    services_load()
    assert Service.objects.count() == 191  # idempotent


def test_a_request_is_mapped_to_its_community_area_and_gets_a_target_time(catalogue):
    request = service_request_create(data=pothole(catalogue, description="Deep hole", email="A@Example.org"))

    assert request.community_area is not None and request.community_area.name == "Lower West Side"
    assert request.public_id.count("-") == 1 and request.token
    assert request.expected_at is not None and request.expected_at > request.requested_at
    assert request.email == "a@example.org"
    assert request.changes.get().detailed_status == "submitted"


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


def test_an_unknown_service_is_not_found(catalogue):
    with pytest.raises(NotFound):
        service_request_create(
            data=RequestInput(service_code="nope", latitude="41.8575", longitude="-87.6563")
        )


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


def test_api_keys_are_stored_hashed_and_can_be_revoked():
    client, raw_key = api_client_issue(name="FixMyStreet")

    assert raw_key not in {client.key_hash, client.key_prefix}
    assert api_client_for_key(raw_key) == client
    api_client_revoke(client=client)
    with pytest.raises(ApiKeyInvalid):
        api_client_for_key(raw_key)
    with pytest.raises(ApiKeyInvalid):
        api_client_for_key("")


def test_the_command_prints_the_new_key_as_its_last_line(capsys):
    call_command("open311", "issue-key", "Chicago Works For You")

    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert api_client_for_key(last).name == "Chicago Works For You"
    assert ApiClient.objects.count() == 1
