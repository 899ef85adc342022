"""The directory in Open Referral HSDS 3.0 form: paged as the HSDS API reference pages it; JSON errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicloop.directory.tests.factories import make_entry, make_location

pytestmark = pytest.mark.django_db


def test_services_are_paged_with_the_hsds_page_fields(client):
    for number in range(5):
        make_entry(f"entry-{number}", name=f"Program {number}")

    first = client.get("/api/hsds/services?per_page=2").json()
    last = client.get("/api/hsds/services?per_page=2&page=3").json()
    beyond = client.get("/api/hsds/services?per_page=2&page=9").json()

    assert {key: first[key] for key in ("total_items", "total_pages", "page_number", "size")} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 1,
        "size": 2,
    }
    assert [service["name"] for service in first["contents"]] == ["Program 0", "Program 1"]
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    assert [service["name"] for service in last["contents"]] == ["Program 4"] and last["last_page"]
    assert beyond["contents"] == [] and beyond["empty"]
    assert client.get("/api/hsds/services?per_page=5000").json()["size"] == 100
    assert client.get("/api/hsds/services").json()["size"] == 50


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=-1", "page=1.5", "page=١"])
def test_a_bad_page_is_a_json_400(client, query):
    response = client.get(f"/api/hsds/services?{query}")

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "page" in response.json()["detail"]


def test_a_page_costs_the_same_queries_however_many_services_and_locations(client):
    location = make_location()
    make_entry("one").locations.add(location)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/hsds/services")
    few_queries = len(few)
    for number in range(20):
        entry = make_entry(f"entry-{number}")
        entry.locations.add(location, make_location(f"place-{number}", name=f"Place {number}"))
    with CaptureQueriesContext(connection) as many:
        client.get("/api/hsds/services")

    assert len(many) == few_queries > 0


def test_one_service_has_its_organization_locations_with_schedules_languages_and_phones(client):
    entry = make_entry(
        "library-card", phone="311", languages_offered=["en", "es", "pl"], department="Chicago Public Library"
    )
    entry.locations.add(make_location())

    service = client.get(f"/api/hsds/services/{entry.hsds_id}").json()
    spanish = client.get(f"/api/hsds/services/{entry.hsds_id}?lang=es").json()

    assert service["id"] == str(entry.hsds_id) and service["name"] == "Get a library card"
    assert service["status"] == "active" and service["fees_description"] == "Free"
    assert service["organization"]["name"] == "Chicago Public Library"
    assert service["organization_id"] == service["organization"]["id"]
    assert [phone["number"] for phone in service["phones"]] == ["311"]
    assert [language["code"] for language in service["languages"]] == ["en", "es", "pl"]
    [at_location] = service["service_at_locations"]
    assert at_location["location"]["name"] == "Harold Washington Library Center"
    assert at_location["location"]["addresses"][0]["postal_code"] == "60605"
    assert at_location["schedules"][0]["description"] == "Mon–Thu 9 a.m.–8 p.m."
    assert spanish["name"] == "Obtenga una tarjeta de la biblioteca"


# A fixed id: xdist workers must collect the same test names.
@pytest.mark.parametrize("hsds_id", ["9d72f614-7536-47b3-9168-a9163e68e332", "not-a-uuid", "1"])
def test_an_unknown_or_malformed_id_is_a_json_404(client, hsds_id):
    make_entry()

    response = client.get(f"/api/hsds/services/{hsds_id}")

    assert response.status_code == 404 and response.json() == {"detail": "No service with this id."}


def _required(*names: str, **nested: object) -> dict[str, object]:
    return {"type": "object", "required": list(names), "properties": nested}


def _many(schema: dict[str, object]) -> dict[str, object]:
    return {"type": "array", "items": schema}


# The required fields of HSDS 3.0's schemas for what the export holds (no copy of the schemas is kept here).
LOCATION = _required(
    "id",
    "location_type",
    addresses=_many(
        _required("id", "address_1", "city", "state_province", "postal_code", "country", "address_type")
    ),
)
SERVICE = _required(
    "id",
    "name",
    "status",
    status={"enum": ["active", "inactive", "defunct", "temporarily closed"]},
    organization=_required("id", "name", "description"),
    phones=_many(_required("id", "number")),
    languages=_many(_required("id")),
    required_documents=_many(_required("id")),
    attributes=_many(_required("id", "link_id", "link_entity", "taxonomy_term_id")),
    service_at_locations=_many(
        _required("id", "service_id", location=LOCATION, schedules=_many(_required("id")))
    ),
)


def test_the_export_holds_the_fields_hsds_requires(client):
    import jsonschema

    from civicloop.topics.models import Topic

    housing = Topic.objects.create(slug="housing", name_en="Housing", name_es="Vivienda")
    entry = make_entry(phone="311", languages_offered=["en", "es"], topic=housing)
    entry.texts.filter(language="en").update(documents_needed="Photo ID\nProof of address")
    entry.locations.add(make_location())

    page = client.get("/api/hsds/services").json()

    jsonschema.validate(page, _required(*("total_items", "total_pages", "page_number", "size", "contents")))
    [service] = page["contents"]
    jsonschema.validate(service, SERVICE)
    assert [document["document"] for document in service["required_documents"]] == [
        "Photo ID",
        "Proof of address",
    ]
    assert service["attributes"][0]["taxonomy_term"]["name"] == "Housing"
