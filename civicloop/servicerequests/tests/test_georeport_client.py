"""A real Open311 client (the `georeport` package) against a live server, in JSON and XML.

georeport 0.3.1 only GETs: requests are filed with `requests` the way a client app would (form-encoded,
`attribute[code]` and `attribute[code][]`), then read back with georeport. Its XML mode is
`xmltodict`: a one-item list comes back as a dict, every value as a string, and an empty list crashes
the client (`None['request']`), so the searches below always match something.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import xmltodict
from django.core.cache import cache
from django.utils import timezone
from georeport import GeoReport

from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    api_client_issue,
    service_request_create,
    service_request_status_change,
    services_load,
)
from civicloop.topics.services import topics_ensure

pytestmark = [pytest.mark.django_db(transaction=True)]

FORMATS = ["json", "xml"]
POTHOLE = "Pothole in Street Complaint"
RATS = "Rodent Baiting/Rat Complaint"
PILSEN = {"lat": "41.8575", "long": "-87.6563"}
PRIVATE = {
    "email": "resident@example.org",
    "phone": "(312) 555-0123",
    "first_name": "Ximena",
    "last_name": "Quetzalli",
    "device_id": "device-abc-123",
    "account_id": "acct-xyz-789",
}
PRIVATE_TEXT = [*PRIVATE.values(), "555-0123", "5550123", "312-555-0199", "someone@example.com"]
TIMEOUT = 10


@pytest.fixture
def catalogue() -> Any:
    cache.clear()
    community_area_index_clear()  # ids change after each transactional test's flush
    topics_ensure()
    community_areas_load()
    services_load()
    yield {service.name: service for service in Service.objects.all()}
    cache.clear()
    community_area_index_clear()


@pytest.fixture
def endpoint(live_server: Any) -> str:
    return live_server.url + "/open311/v2"


def as_list(found: Any) -> list[dict[str, Any]]:
    """georeport's XML answer for a one-item list is that item (xmltodict), not a list."""
    return found if isinstance(found, list) else [found]


def number(value: Any) -> float:
    return float(value)  # JSON numbers; XML text


def post_request(endpoint: str, fmt: str, fields: list[tuple[str, str]]) -> str:
    """File a request as a form-encoded POST and answer its service_request_id."""
    response = requests.post(
        f"{endpoint}/requests.{fmt}",
        data=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    if fmt == "json":
        assert response.headers["Content-Type"] == "application/json"
        [created] = response.json()
    else:
        assert response.headers["Content-Type"].startswith("text/xml")
        created = xmltodict.parse(response.content)["service_requests"]["request"]
    assert created["account_id"] == PRIVATE["account_id"]  # the client's own id, echoed to it alone
    return created["service_request_id"]


# Services --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_client_reads_the_service_list_and_a_definition(catalogue, endpoint, fmt):
    geo = GeoReport(endpoint, jurisdiction="cityofchicago.org", output_format=fmt)

    services = geo.get_service_list()
    assert len(services) == len(catalogue) == 191
    by_code = {row["service_code"]: row for row in services}
    pothole = by_code[catalogue[POTHOLE].code]
    assert pothole["service_name"] == POTHOLE
    assert pothole["metadata"] == (True if fmt == "json" else "true")
    assert pothole["type"] == "realtime" and pothole["group"] == "Transportation"
    assert "bache" in pothole["keywords"]
    with_definitions = [row for row in services if row["metadata"] in (True, "true")]
    assert len(with_definitions) == 10

    definition = geo.get_service_definition(catalogue[POTHOLE].code)
    assert definition["service_code"] == catalogue[POTHOLE].code
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [attribute["code"] for attribute in attributes] == ["WHEREIST", "SIZE", "NOTICED"]
    assert [attribute["datatype"] for attribute in attributes] == ["singlevaluelist", "number", "datetime"]
    orders: list[object] = [1, 2, 3] if fmt == "json" else ["1", "2", "3"]  # the spec counts from 1
    assert [attribute["order"] for attribute in attributes] == orders
    where = attributes[0]
    assert where["required"] == (True if fmt == "json" else "true")
    assert where["description"] == "Where is the pothole?"
    values = where["values"] if fmt == "json" else where["values"]["value"]
    assert values == [
        {"key": "TRAFFIC", "name": "In a traffic lane"},
        {"key": "BIKE", "name": "In a bike lane"},
        {"key": "CROSSWALK", "name": "In a crosswalk"},
        {"key": "CURB", "name": "By the curb"},
    ]


# Filing and reading requests -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_filed_over_http_round_trip_through_the_client(catalogue, endpoint, fmt):
    _, key = api_client_issue(name="Fix-it app")
    pothole_code, rats_code = catalogue[POTHOLE].code, catalogue[RATS].code
    private = list(PRIVATE.items())
    pothole_id = post_request(
        endpoint,
        "json",
        [
            ("api_key", key),
            ("service_code", pothole_code),
            *PILSEN.items(),
            ("attribute[WHEREIST]", "TRAFFIC"),
            ("attribute[SIZE]", "14"),
            ("description", "Deep hole by the bus stop; call 312-555-0199"),
            *private,
        ],
    )
    rats_id = post_request(
        endpoint,
        "xml",
        [
            ("api_key", key),
            ("service_code", rats_code),
            ("lat", "41.8781"),
            ("long", "-87.6298"),
            ("attribute[SEEN][]", "ALLEY"),
            ("attribute[SEEN][]", "YARD"),
            ("attribute[DOG]", "no"),
            ("description", "Rats near the garbage carts, write to someone@example.com"),
            *private,
        ],
    )
    stored = {request.public_id: request for request in ServiceRequest.objects.all()}
    assert set(stored) == {pothole_id, rats_id}
    assert stored[pothole_id].attribute_values == {"WHEREIST": "TRAFFIC", "SIZE": 14.0}
    assert stored[rats_id].attribute_values == {"SEEN": ["ALLEY", "YARD"], "DOG": "no"}
    assert {request.channel for request in stored.values()} == {ServiceRequest.Channel.API}

    # A closed request from 40 days ago, so that status and date filters have something to leave out.
    old = service_request_create(
        data=RequestInput(
            service_code=pothole_code,
            latitude=PILSEN["lat"],
            longitude=PILSEN["long"],
            attributes={"WHEREIST": ["CURB"]},
        ),
        now=timezone.now() - timedelta(days=40),
    )
    service_request_status_change(request=old, detailed_status="completed", note="Filled")

    geo = GeoReport(endpoint + "/", output_format=fmt)  # the client strips the trailing slash
    outputs: list[Any] = []

    pothole = geo.get_service_request(pothole_id)
    outputs.append(pothole)
    assert pothole["service_request_id"] == pothole_id
    assert pothole["service_code"] == pothole_code and pothole["service_name"] == POTHOLE
    assert pothole["status"] == "open"
    assert (number(pothole["lat"]), number(pothole["long"])) == (41.8575, -87.6563)
    assert pothole["description"] == "Deep hole by the bus stop; call [phone removed]"
    assert pothole["agency_responsible"] == "Transportation"
    requested = datetime.fromisoformat(pothole["requested_datetime"])
    assert requested.utcoffset() in (timedelta(hours=-6), timedelta(hours=-5))  # Chicago local time
    assert abs(requested - timezone.now()) < timedelta(minutes=5)

    rats = geo.get_service_request(rats_id)
    outputs.append(rats)
    assert (rats["service_code"], rats["status"]) == (rats_code, "open")
    assert (number(rats["lat"]), number(rats["long"])) == (41.8781, -87.6298)
    assert rats["description"] == "Rats near the garbage carts, write to [email removed]"

    def ids(**filters: str) -> list[str]:
        found = as_list(geo.get_service_requests(**filters))
        outputs.append(found)
        return sorted(row["service_request_id"] for row in found)

    now = datetime.now(UTC)

    def w3c(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")  # the client's own example

    assert ids() == sorted([pothole_id, rats_id, old.public_id])
    assert ids(service_code=pothole_code) == sorted([pothole_id, old.public_id])
    assert ids(service_code=rats_code) == [rats_id]
    assert ids(status="open") == sorted([pothole_id, rats_id])
    assert ids(status="closed") == [old.public_id]
    assert ids(service_code=pothole_code, status="open") == [pothole_id]
    assert ids(start_date=w3c(1), end_date=w3c(-1)) == sorted([pothole_id, rats_id])
    assert ids(start_date=w3c(50), end_date=w3c(30)) == [old.public_id]
    assert ids(start_date=w3c(1)) == sorted([pothole_id, rats_id])
    assert ids(end_date=w3c(30)) == [old.public_id]
    assert ids(service_request_id=f"{old.public_id},{rats_id}", status="open") == sorted(
        [old.public_id, rats_id]
    )  # the id list overrides every other filter

    closed = as_list(geo.get_service_requests(status="closed"))
    assert [(row["status"], row["status_notes"]) for row in closed] == [("closed", "Filled")]

    everything = str(outputs)
    assert pothole_id in everything and rats_id in everything and old.public_id in everything
    assert "[phone removed]" in everything and "[email removed]" in everything
    for output in outputs:
        text = str(output)
        for value in PRIVATE_TEXT:
            assert value not in text, (value, text)


# Errors ----------------------------------------------------------------------------------------


def error_of(raised: pytest.ExceptionInfo[requests.HTTPError], fmt: str) -> tuple[int, str, str]:
    """(HTTP status, error code, description) from the spec's error body the client got."""
    response = raised.value.response
    assert response is not None
    if fmt == "json":
        [error] = response.json()
    else:
        error = xmltodict.parse(response.content)["errors"]["error"]
    return response.status_code, str(error["code"]), error["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_client_sees_the_spec_errors(catalogue, endpoint, fmt):
    geo = GeoReport(endpoint, output_format=fmt)
    no_definition = Service.objects.filter(attributes__isnull=True).order_by("code").first()
    assert no_definition is not None

    with pytest.raises(requests.HTTPError) as raised:
        geo.get_service_definition("NOPE")
    assert error_of(raised, fmt)[:2] == (404, "404")

    with pytest.raises(requests.HTTPError) as raised:
        geo.get_service_definition(no_definition.code)
    assert error_of(raised, fmt)[:2] == (404, "404")

    with pytest.raises(requests.HTTPError) as raised:
        geo.get_service_request("26-99999999")
    assert error_of(raised, fmt)[:2] == (404, "404")

    with pytest.raises(requests.HTTPError) as raised:
        geo.get_service_requests(status="pending")
    status, code, description = error_of(raised, fmt)
    assert (status, code) == (400, "400") and "status" in description

    with pytest.raises(requests.HTTPError) as raised:
        geo.get_service_requests(start_date="2026-01-01T00:00:00Z", end_date="2026-05-01T00:00:00Z")
    status, code, description = error_of(raised, fmt)
    assert (status, code) == (400, "400") and "90 days" in description

    elsewhere = GeoReport(endpoint, jurisdiction="nyc.gov", output_format=fmt)
    with pytest.raises(requests.HTTPError) as raised:
        elsewhere.get_service_list()
    status, code, description = error_of(raised, fmt)
    assert (status, code) == (404, "404") and "jurisdiction" in description
    with pytest.raises(requests.HTTPError) as raised:
        elsewhere.get_service_definition(catalogue[POTHOLE].code)
    assert error_of(raised, fmt)[:2] == (404, "404")
