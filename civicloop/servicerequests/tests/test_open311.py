import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    api_client_issue,
    api_client_revoke,
    service_request_create,
    service_request_status_change,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicloop.servicerequests.tests.open311_test_urls")]

SCHEMA_DIR = Path("/work/shared/standards/open311-schema")
PILSEN = {"lat": "41.8575", "long": "-87.6563"}
POTHOLE = "Pothole in Street Complaint"
RATS = "Rodent Baiting/Rat Complaint"
FORMATS = ["json", "xml"]
PRIVATE = ["resident@example.org", "+13125550123", "Ximena", "Quetzalli", "device-abc-123", "acct-xyz-789"]


def _schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def validate(instance: object, name: str) -> None:
    registry: Registry = Registry().with_resources(
        (file.name, Resource.opaque(_schema(file.name))) for file in SCHEMA_DIR.glob("*.json")
    )
    Draft202012Validator(_schema(name), registry=registry).validate(instance)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(catalogue):
    return api_client_issue(name="Fix-it app")[1]


def pothole_form(catalogue, key, **overrides):
    form = {
        "api_key": key,
        "service_code": catalogue[POTHOLE].code,
        **PILSEN,
        "attribute[WHEREIST]": "TRAFFIC",
        "description": "Deep hole",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def file_request(catalogue, name=POTHOLE, days_ago=0, **overrides):
    attributes = {POTHOLE: {"WHEREIST": ["TRAFFIC"]}, RATS: {"SEEN": ["ALLEY"]}}.get(name, {})
    values = {
        "service_code": catalogue[name].code,
        "latitude": PILSEN["lat"],
        "longitude": PILSEN["long"],
        "attributes": attributes,
        **overrides,
    }
    return service_request_create(data=RequestInput(**values), now=timezone.now() - timedelta(days=days_ago))


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response["Content-Type"] == "application/json", response.content
    return response, response.json()


def get_xml(client, url, **params):
    response = client.get(url, params)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return response, ET.fromstring(response.content)


def assert_error(response, status, fmt, contains=""):
    assert response.status_code == status, response.content
    if fmt == "json":
        body = response.json()
        assert body == [{"code": status, "description": body[0]["description"]}]
        description = body[0]["description"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and [child.tag for child in root] == ["error"]
        assert [child.tag for child in root[0]] == ["code", "description"]
        assert root.findtext("error/code") == str(status)
        description = root.findtext("error/description") or ""
    assert description and contains.lower() in description.lower()


# Discovery and services ------------------------------------------------------------------------


def test_discovery_json_and_xml(client, settings):
    settings.SITE_URL = "https://civic.example.org"
    _, body = get_json(client, "/open311/discovery.json")
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert body["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "https://civic.example.org/open311/v2/",
            "changeset": body["changeset"],
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]
    _, root = get_xml(client, "/open311/discovery.xml")
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "https://civic.example.org/open311/v2/"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_service_list_json_validates_and_marks_definitions(client, catalogue):
    _, body = get_json(client, "/open311/v2/services.json")
    validate(body, "services.json")
    assert len(body) == 191
    by_name = {row["service_name"]: row for row in body}
    pothole = by_name[POTHOLE]
    assert pothole["metadata"] is True and pothole["type"] == "realtime"
    assert pothole["group"] == "Transportation" and "bache" in pothole["keywords"]
    assert sum(row["metadata"] for row in body) == 10


def test_service_list_xml(client, catalogue):
    _, root = get_xml(client, "/open311/v2/services.xml")
    assert root.tag == "services" and len(root.findall("service")) == 191
    pothole = next(s for s in root.findall("service") if s.findtext("service_name") == POTHOLE)
    assert [child.tag for child in pothole] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert pothole.findtext("metadata") == "true"


def test_service_definition_json_validates(client, catalogue):
    _, body = get_json(client, f"/open311/v2/services/{catalogue[RATS].code}.json")
    validate(body, "service-definition.json")
    seen = body["attributes"][0]
    assert seen["code"] == "SEEN" and seen["datatype"] == "multivaluelist" and seen["required"] is True
    assert seen["order"] == 1
    assert {"key": "ALLEY", "name": "Alley"} in seen["values"]


def test_service_definition_xml(client, catalogue):
    _, root = get_xml(client, f"/open311/v2/services/{catalogue[RATS].code}.xml")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == catalogue[RATS].code
    attribute = root.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("variable") == "true"
    assert [value.findtext("key") for value in root.findall("attributes/attribute/values/value")][:2] == [
        "ALLEY",
        "YARD",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_404_for_unknown_or_undefined(client, catalogue, fmt):
    assert_error(client.get(f"/open311/v2/services/NOPE.{fmt}"), 404, fmt)
    no_definition = next(s for s in catalogue.values() if not s.attributes.exists())
    assert_error(client.get(f"/open311/v2/services/{no_definition.code}.{fmt}"), 404, fmt)


# POST requests and tokens ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_an_api_request_and_answers_the_id(client, catalogue, api_key, fmt):
    response = client.post(
        f"/open311/v2/requests.{fmt}", pothole_form(catalogue, api_key, account_id="acct-1")
    )
    assert response.status_code == 200, response.content
    created = ServiceRequest.objects.get()
    assert created.channel == ServiceRequest.Channel.API and created.api_client is not None
    assert created.attribute_values == {"WHEREIST": "TRAFFIC"}
    if fmt == "json":
        assert response.json() == [
            {"service_request_id": created.public_id, "service_notice": "", "account_id": "acct-1"}
        ]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "service_requests"
        assert [child.tag for child in root.iterfind("request/*")] == [
            "service_request_id",
            "service_notice",
            "account_id",
        ]
        assert root.findtext("request/service_request_id") == created.public_id


def test_post_multivaluelist_and_address_string(client, catalogue, api_key):
    form = {
        "api_key": api_key,
        "service_code": catalogue[RATS].code,
        "address_string": "1800 S Blue Island Ave",
        "attribute[DOG]": "no",
    }
    body = urlencode([*form.items(), ("attribute[SEEN][]", "ALLEY"), ("attribute[SEEN][]", "YARD")])
    response = client.post(
        "/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    created = ServiceRequest.objects.get()
    assert created.attribute_values == {"SEEN": ["ALLEY", "YARD"], "DOG": "no"}
    assert created.address == "1800 S Blue Island Ave" and created.latitude is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_lookup(client, catalogue, fmt):
    created = file_request(catalogue)
    url = f"/open311/v2/tokens/{created.token}.{fmt}"
    if fmt == "json":
        _, body = get_json(client, url)
        assert body == [{"service_request_id": created.public_id, "token": created.token}]
    else:
        _, root = get_xml(client, url)
        assert root.findtext("request/token") == created.token
        assert root.findtext("request/service_request_id") == created.public_id
    assert_error(client.get(f"/open311/v2/tokens/nope.{fmt}"), 404, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("overrides", "status", "contains"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "c311_wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "NOPE"}, 400, "No service"),
        ({"lat": "", "long": ""}, 400, "location is required"),
        ({"lat": "abc"}, 400, "decimal degrees"),
        ({"long": ""}, 400, "together"),
        ({"lat": "41.85", "long": "-87.90"}, 400, "outside the City"),
        ({"attribute[WHEREIST]": "MOON"}, 400, "no value"),
        ({"attribute[WHEREIST]": ""}, 400, "WHEREIST is required"),
        ({"attribute[SIZE]": "big"}, 400, "must be a number"),
        ({"attribute[NOTICED]": "yesterday"}, 400, "W3C datetime"),
        ({"attribute[COLOR]": "red"}, 400, "Unknown attribute"),
        ({"description": "x" * 4001}, 400, "longer than 4000"),
        ({"jurisdiction_id": "nyc.gov"}, 404, "jurisdiction"),
    ],
)
def test_post_errors_answer_the_spec_body_and_store_nothing(
    client, catalogue, api_key, fmt, overrides, status, contains
):
    response = client.post(f"/open311/v2/requests.{fmt}", pothole_form(catalogue, api_key, **overrides))
    assert_error(response, status, fmt, contains)
    assert not ServiceRequest.objects.exists()


def test_post_with_a_revoked_key_is_403(client, catalogue):
    app, key = api_client_issue(name="Old app")
    api_client_revoke(client=app)
    assert_error(client.post("/open311/v2/requests.json", pothole_form(catalogue, key)), 403, "json")
    assert not ServiceRequest.objects.exists()


def test_post_with_the_right_jurisdiction_is_accepted(client, catalogue, api_key):
    form = pothole_form(catalogue, api_key, jurisdiction_id="cityofchicago.org")
    assert client.post("/open311/v2/requests.json", form).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_rate_limit_per_client_is_429(client, catalogue, fmt):
    _, key = api_client_issue(name="Chatty app", requests_per_minute=2)
    _, other = api_client_issue(name="Quiet app", requests_per_minute=2)
    for _ in range(2):
        assert client.post(f"/open311/v2/requests.{fmt}", pothole_form(catalogue, key)).status_code == 200
    assert_error(client.post(f"/open311/v2/requests.{fmt}", pothole_form(catalogue, key)), 429, fmt, "rate")
    assert ServiceRequest.objects.count() == 2
    assert client.post(f"/open311/v2/requests.{fmt}", pothole_form(catalogue, other)).status_code == 200


# GET requests ----------------------------------------------------------------------------------


def test_request_list_json_validates_and_uses_w3c_datetimes(client, catalogue):
    created = file_request(catalogue, description="Deep hole", media_url="https://example.org/a.jpg")
    file_request(catalogue, name="Graffiti Removal Request", address="1800 S Blue Island Ave",
                 latitude="", longitude="", attributes={"SURFACE": ["BRICK"]})  # fmt: skip
    _, body = get_json(client, "/open311/v2/requests.json")
    validate(body, "requests.json")
    assert len(body) == 2
    row = next(r for r in body if r["service_request_id"] == created.public_id)
    assert row["status"] == "open" and row["service_name"] == POTHOLE
    assert row["lat"] == 41.8575 and row["long"] == -87.6563
    assert row["agency_responsible"] == "Transportation" and row["zipcode"] == ""
    assert row["requested_datetime"] == timezone.localtime(created.requested_at).isoformat(timespec="seconds")
    assert row["requested_datetime"][-6:] in ("-06:00", "-05:00")
    assert "extended_attributes" not in row and "notes" not in row


def test_request_list_xml(client, catalogue):
    created = file_request(catalogue)
    _, root = get_xml(client, "/open311/v2/requests.xml")
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None and request.findtext("service_request_id") == created.public_id
    assert [child.tag for child in request] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_detail_is_a_one_element_array_and_404_when_unknown(client, catalogue, fmt):
    created = file_request(catalogue)
    url = f"/open311/v2/requests/{created.public_id}.{fmt}"
    if fmt == "json":
        _, body = get_json(client, url)
        validate(body, "requests.json")
        assert [row["service_request_id"] for row in body] == [created.public_id]
    else:
        _, root = get_xml(client, url)
        assert [r.findtext("service_request_id") for r in root.findall("request")] == [created.public_id]
    assert_error(client.get(f"/open311/v2/requests/26-99999999.{fmt}"), 404, fmt)


def test_private_fields_never_appear_and_description_contacts_are_masked(client, catalogue, api_key):
    form = pothole_form(
        catalogue,
        api_key,
        email=PRIVATE[0],
        phone="(312) 555-0123",
        first_name=PRIVATE[2],
        last_name=PRIVATE[3],
        device_id=PRIVATE[4],
        account_id=PRIVATE[5],
        description="Call me at 312-555-0199 or write to someone@example.com, near the school.",
    )
    assert client.post("/open311/v2/requests.json", form).status_code == 200
    created = ServiceRequest.objects.get()
    service_request_status_change(
        request=created, detailed_status="in_progress", note="Spoke to 773 555 0142 (x@y.org)"
    )
    outputs = []
    for fmt in FORMATS:
        for url in (f"/open311/v2/requests.{fmt}", f"/open311/v2/requests/{created.public_id}.{fmt}"):
            for extensions in ("", "true"):
                response = client.get(url, {"extensions": extensions})
                assert response.status_code == 200
                outputs.append(response.content.decode())
    for output in outputs:
        for private in [
            *PRIVATE,
            "312-555-0199",
            "someone@example.com",
            "773 555 0142",
            "x@y.org",
            "5550123",
        ]:
            assert private not in output
        assert "[email removed]" in output and "[phone removed]" in output
        assert "near the school" in output
    _, body = get_json(client, f"/open311/v2/requests/{created.public_id}.json")
    assert body[0]["description"] == (
        "Call me at [phone removed] or write to [email removed], near the school."
    )


def test_filters_service_code_status_and_id_lists(client, catalogue):
    pothole = file_request(catalogue)
    rats = file_request(catalogue, name=RATS)
    light = file_request(catalogue, name="Street Light Out Complaint", attributes={"HOWMANY": ["2"]})
    service_request_status_change(request=light, detailed_status="completed", note="Fixed")
    old = file_request(catalogue, days_ago=200)

    def ids(**params):
        response, body = get_json(client, "/open311/v2/requests.json", **params)
        assert response.status_code == 200, body
        return {row["service_request_id"] for row in body}

    assert ids() == {pothole.public_id, rats.public_id, light.public_id}
    codes = f"{catalogue[POTHOLE].code}, {catalogue[RATS].code}"
    assert ids(service_code=codes) == {pothole.public_id, rats.public_id}
    assert ids(status="closed") == {light.public_id}
    assert ids(status="open,closed") == {pothole.public_id, rats.public_id, light.public_id}
    assert ids(status="OPEN") == {pothole.public_id, rats.public_id}
    # service_request_id overrides every other filter, including the 90-day window
    assert ids(service_request_id=f"{old.public_id},{rats.public_id}", status="closed") == {
        old.public_id,
        rats.public_id,
    }
    assert ids(service_code="", status="") == {pothole.public_id, rats.public_id, light.public_id}


def test_filters_dates_and_updated(client, catalogue):
    recent = file_request(catalogue, days_ago=1)
    older = file_request(catalogue, days_ago=40)
    old = file_request(catalogue, days_ago=120)
    now = timezone.now()

    def ids(**params):
        response, body = get_json(client, "/open311/v2/requests.json", **params)
        assert response.status_code == 200, body
        return [row["service_request_id"] for row in body]

    assert ids() == [recent.public_id, older.public_id]
    start = (now - timedelta(days=130)).isoformat()
    end = (now - timedelta(days=60)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.public_id]
    assert ids(start_date=(now - timedelta(days=10)).isoformat()) == [recent.public_id]
    assert ids(end_date=(now - timedelta(days=30)).isoformat()) == [older.public_id]
    assert ids(updated_after=(now - timedelta(days=5)).isoformat()) == [recent.public_id]
    assert ids(updated_before=(now - timedelta(days=5)).isoformat()) == [older.public_id]
    day = timezone.localdate() - timedelta(days=10)
    assert ids(start_date=day.isoformat()) == [recent.public_id]  # a W3C date alone: local midnight


def test_pagination(client, catalogue):
    created = [file_request(catalogue, days_ago=days) for days in range(5)]
    newest_first = [request.public_id for request in created]

    def ids(**params):
        _, body = get_json(client, "/open311/v2/requests.json", **params)
        return [row["service_request_id"] for row in body]

    assert ids(page_size="2") == newest_first[:2]
    assert ids(page_size="2", page="2") == newest_first[2:4]
    assert ids(page_size="2", page="3") == newest_first[4:]
    assert ids(page_size="2", page="4") == []
    assert ids(page_size="", page="") == newest_first


def test_extensions_add_extended_attributes_and_notes(client, catalogue):
    created = file_request(catalogue)
    service_request_status_change(request=created, detailed_status="completed", note="Filled")
    _, body = get_json(client, "/open311/v2/requests.json", extensions="true")
    validate(body, "requests.json")
    row = body[0]
    assert row["status"] == "closed" and row["status_notes"] == "Filled"
    assert row["extended_attributes"] == {
        "channel": "web",
        "community_area": "Lower West Side",
        "community_area_number": created.community_area.number,
    }
    assert [(note["type"], note["description"]) for note in row["notes"]] == [
        ("submitted", "Request opened"),
        ("completed", "Filled"),
    ]
    assert row["notes"][1]["summary"] == "Completed" and row["notes"][1]["datetime"]
    _, root = get_xml(client, "/open311/v2/requests.xml", extensions="true")
    assert root.findtext("request/extended_attributes/community_area") == "Lower West Side"
    assert [n.findtext("type") for n in root.findall("request/notes/note")] == ["submitted", "completed"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "contains"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before"),
        ({"start_date": "yesterday"}, "W3C"),
        ({"end_date": "2026-13-45"}, "W3C"),
        ({"updated_after": "soon"}, "W3C"),
        ({"status": "pending"}, "status"),
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"end_date": "0001-01-01"}, "date"),
        ({"start_date": "9999-12-31"}, "date"),
    ],
)
def test_bad_search_parameters_are_400(client, catalogue, fmt, params, contains):
    assert_error(client.get(f"/open311/v2/requests.{fmt}", params), 400, fmt, contains)


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_jurisdiction_is_404_everywhere(client, catalogue, fmt):
    created = file_request(catalogue)
    for url in (
        f"/open311/v2/services.{fmt}",
        f"/open311/v2/services/{catalogue[POTHOLE].code}.{fmt}",
        f"/open311/v2/requests.{fmt}",
        f"/open311/v2/requests/{created.public_id}.{fmt}",
        f"/open311/v2/tokens/{created.token}.{fmt}",
    ):
        assert_error(client.get(url, {"jurisdiction_id": "nyc.gov"}), 404, fmt, "jurisdiction")
        assert client.get(url, {"jurisdiction_id": "cityofchicago.org"}).status_code == 200
        assert client.get(url, {"jurisdiction_id": ""}).status_code == 200


def test_jurisdiction_comes_from_settings(client, catalogue, settings):
    settings.OPEN311_JURISDICTION_ID = "civicloop.test"
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "civicloop.test"}).status_code == 200
    assert (
        client.get("/open311/v2/services.json", {"jurisdiction_id": "cityofchicago.org"}).status_code == 404
    )


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/open311/v2/requests.json", {"extensions": "true", "page_size": "500"})
    assert response.status_code == 200
    return len(queries)


def test_the_list_uses_a_constant_number_of_queries(client, catalogue, django_assert_max_num_queries):
    for _ in range(3):
        file_request(catalogue)
    few = _list_queries(client)
    for _ in range(27):
        file_request(catalogue, name=RATS)
    assert _list_queries(client) == few
    # The version, the rows, and with extensions the notes (a repeat is served from the cache).
    with django_assert_max_num_queries(3):
        client.get("/open311/v2/requests.xml", {"extensions": "true"})
    with django_assert_max_num_queries(2):
        client.get("/open311/v2/requests.json")


# Never a 500 -----------------------------------------------------------------------------------

TEXT = st.text(max_size=30)
KEYS = st.sampled_from(
    [
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "attribute[WHEREIST]",
        "attribute[SIZE]",
        "attribute[NOTICED]",
        "attribute[SEEN][]",
        "attribute[]",
        "attribute[[x]]",
        "email",
        "phone",
        "description",
        "media_url",
        "jurisdiction_id",
        "service_request_id",
        "start_date",
        "end_date",
        "status",
        "page",
        "page_size",
        "extensions",
        "updated_after",
    ]
)


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=st.dictionaries(KEYS, TEXT, max_size=8), use_real_code=st.booleans())
def test_random_input_never_crashes(client, catalogue, api_key, form, use_real_code):
    cache.clear()
    if use_real_code:
        form["service_code"] = catalogue[POTHOLE].code
    before = ServiceRequest.objects.count()
    posted = client.post("/open311/v2/requests.json", {"api_key": api_key, **form})
    assert posted.status_code in (200, 400, 404), posted.content
    assert ServiceRequest.objects.count() == before + (posted.status_code == 200)
    fetched = client.get("/open311/v2/requests.xml", form)
    assert fetched.status_code in (200, 400, 404), fetched.content
    ET.fromstring(fetched.content)


# media_url: web addresses only (issue 23) --------------------------------------------------------

NOT_WEB_ADDRESSES = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/hole.jpg",
    "https:javascript:alert(1)",
    "//example.org/hole.jpg",
    "hole.jpg",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("media_url", NOT_WEB_ADDRESSES)
def test_post_with_a_media_url_that_is_not_a_web_address_is_400_and_stores_nothing(
    client, catalogue, api_key, fmt, media_url
):
    form = pothole_form(catalogue, api_key, media_url=media_url)

    response = client.post(f"/open311/v2/requests.{fmt}", form)

    assert_error(response, 400, fmt, "media_url")
    assert not ServiceRequest.objects.exists()


def test_post_with_a_media_url_too_long_to_keep_whole_is_400(client, catalogue, api_key):
    form = pothole_form(catalogue, api_key, media_url="https://example.org/" + "a" * 500)

    assert_error(client.post("/open311/v2/requests.json", form), 400, "json", "media_url")
    assert not ServiceRequest.objects.exists()


def test_post_with_a_web_media_url_keeps_it_and_returns_it(client, catalogue, api_key):
    form = pothole_form(catalogue, api_key, media_url="https://photos.example.org/hole.jpg?size=large")

    posted = client.post("/open311/v2/requests.json", form)

    created = posted.json()[0]["service_request_id"]
    _, body = get_json(client, f"/open311/v2/requests/{created}.json")
    assert body[0]["media_url"] == "https://photos.example.org/hole.jpg?size=large"


@pytest.mark.parametrize(
    "media_url", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>"]
)
def test_a_stored_media_url_that_is_not_a_web_address_is_never_returned(client, catalogue, media_url):
    bad = file_request(catalogue, description="Stored by older code")
    good = file_request(catalogue, media_url="http://photos.example.org/hole.jpg")
    # As older code stored what a client sent; a direct update, as a row restored from a backup.
    ServiceRequest.objects.filter(pk=bad.pk).update(media_url=media_url)
    lists = ["/open311/v2/requests", "/open311/v2/requests", f"/open311/v2/requests/{bad.public_id}"]

    for path in lists:  # the list twice: fresh, then from the cache
        for extensions in ("", "true"):
            response, body = get_json(client, f"{path}.json", extensions=extensions)
            rows = {row["service_request_id"]: row for row in body}
            assert rows[bad.public_id]["media_url"] is None
            assert good.public_id not in rows or rows[good.public_id]["media_url"] == good.media_url
            response, root = get_xml(client, f"{path}.xml", extensions=extensions)
            by_id = {item.findtext("service_request_id"): item for item in root.findall("request")}
            assert by_id[bad.public_id].findtext("media_url") == ""
            assert (
                good.public_id not in by_id or by_id[good.public_id].findtext("media_url") == good.media_url
            )
            assert media_url.split(":")[0].encode() + b":" not in response.content
