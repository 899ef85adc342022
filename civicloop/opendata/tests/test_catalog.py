"""/data.json is a DCAT-US v1.1 catalog: checked against the project-open-data schemas (CC0, copied
here from ../shared/standards/dcat-us-v1.1/ so that CI needs nothing outside the checkout)."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from referencing import Registry
from referencing.jsonschema import DRAFT4

from civicloop.opendata.catalog import MEDIA_TYPES
from civicloop.opendata.models import DatasetExport
from civicloop.opendata.registry import datasets_available
from civicloop.opendata.services import datasets_refresh_all

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).resolve().parent / "dcat-us-v1.1"


def dcat_validator() -> jsonschema.Draft4Validator:
    """The catalog schema with its $refs resolved from the shipped files; a city is not federal, so the
    federal-only bureauCode and programCode are not required (data.gov's non-federal profile)."""
    schemas = {}
    for name in ("catalog", "dataset", "distribution", "organization", "vcard"):
        schema = json.loads((SCHEMAS / f"{name}.json").read_text())
        if name == "dataset":
            schema = copy.deepcopy(schema)
            schema["required"] = [
                field for field in schema["required"] if field not in ("bureauCode", "programCode")
            ]
        schemas[name] = schema
    resources = [
        (uri, DRAFT4.create_resource(schema))
        for name, schema in schemas.items()
        for uri in (schema["id"].rstrip("#"), f"{name}.json")
    ]
    registry = Registry().with_resources(resources)
    return jsonschema.Draft4Validator(
        schemas["catalog"], registry=registry, format_checker=jsonschema.FormatChecker()
    )


@pytest.fixture
def demo_city():  # type: ignore[no-untyped-def]
    call_command("demo", verbosity=0)
    outcome = datasets_refresh_all()
    assert set(outcome.values()) == {"ok"}, outcome
    return outcome


def test_the_validator_rejects_a_catalog_that_breaks_the_schema():
    validator = dcat_validator()
    broken = {"conformsTo": "https://project-open-data.cio.gov/v1.1/schema", "dataset": [{"title": "x"}]}
    assert list(validator.iter_errors(broken))


def test_data_json_validates_and_lists_every_dataset_with_its_schedule(client, demo_city):
    response = client.get("/data.json")
    assert response.status_code == 200
    catalog = response.json()
    errors = [
        f"{list(error.absolute_path)}: {error.message}" for error in dcat_validator().iter_errors(catalog)
    ]
    assert errors == []
    listed = {entry["landingPage"].split("/opendata/")[1].strip("/"): entry for entry in catalog["dataset"]}
    assert set(listed) == {dataset.identifier for dataset in datasets_available()}
    assert {"311-service-requests", "311-services", "announcements", "ideas", "conversation-votes"} <= set(
        listed
    )

    requests = listed["311-service-requests"]
    export = DatasetExport.objects.get(identifier="311-service-requests")
    assert requests["modified"] == export.modified.isoformat(timespec="seconds")
    assert requests["accrualPeriodicity"] == "R/PT1H"
    assert requests["describedBy"].endswith("/opendata/311-service-requests/dictionary.json")
    assert sorted(d["mediaType"] for d in requests["distribution"]) == sorted(MEDIA_TYPES.values())
    for distribution in requests["distribution"]:
        assert client.get(distribution["downloadURL"].replace("http://testserver", "")).status_code == 200
    services = listed["311-services"]
    assert [d["format"] for d in services["distribution"]] == ["CSV", "JSON"]  # no location, no GeoJSON
    assert "temporal" in requests and "/" in requests["temporal"]


def test_a_dataset_never_exported_is_not_in_data_json(client):
    assert client.get("/data.json").json()["dataset"] == []


def test_the_suppression_note_names_the_citys_k_as_it_is_now(settings):
    from civicloop.opendata.registry import dataset_get

    settings.OPENDATA_MIN_CELL = 25
    assert "fewer than 25 people" in dataset_get("delivery-reach").suppression_text
    settings.OPENDATA_MIN_CELL = 10
    assert "fewer than 10 people" in dataset_get("delivery-reach").suppression_text
