"""The CKAN action API: the real ckanapi client against a live server, and CKAN's envelope and errors."""

import json
from datetime import timedelta

import ckanapi
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civicloop.opendata.ckan import ckan_package
from civicloop.opendata.datastore import datastore_write
from civicloop.opendata.query import DatastoreQuery, datastore_query
from civicloop.opendata.services import dataset_refresh
from civicloop.opendata.soql import ROW_ID, SelectColumn
from civicloop.opendata.tests.test_query import COLUMNS, ROWS, STORED, SYNTHETIC, VALUES
from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service
from civicloop.servicerequests.services import RequestInput, service_request_create, services_load
from civicloop.topics.services import topics_ensure

urlpatterns = [path("", include("civicloop.opendata.api_urls"))]
pytestmark = [pytest.mark.urls(__name__)]

POTHOLE = "Pothole in Street Complaint"
RATS = "Rodent Baiting/Rat Complaint"
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}
IDENTIFIER = "311-service-requests"


def publish_requests(potholes=25, rats=10):
    """Chicago's services and areas, that many requests (oldest first, alternating), and an export.

    The sr_numbers of the potholes and of the rat complaints, in export order."""
    cache.clear()
    community_area_index_clear()
    topics_ensure()
    community_areas_load()
    services_load()
    services = {service.name: service for service in Service.objects.all()}
    attributes = {POTHOLE: {"WHEREIST": ["TRAFFIC"]}, RATS: {"SEEN": ["ALLEY"]}}
    kinds = [POTHOLE] * potholes + [RATS] * rats
    kinds = [kinds[i] for i in sorted(range(len(kinds)), key=lambda i: (i % 3, i))]
    numbers: dict[str, list[str]] = {POTHOLE: [], RATS: []}
    start = timezone.now() - timedelta(days=60)
    for position, name in enumerate(kinds):
        request = service_request_create(
            data=RequestInput(service_code=services[name].code, attributes=attributes[name], **PILSEN),
            now=start + timedelta(hours=position),
        )
        numbers[name].append(request.public_id)
    dataset_refresh(identifier=IDENTIFIER)
    return numbers


@pytest.fixture
def published(transactional_db):
    numbers = publish_requests()
    yield numbers
    cache.clear()
    community_area_index_clear()


@pytest.fixture
def ckan(live_server):
    with ckanapi.RemoteCKAN(live_server.url) as remote:
        yield remote


def action(client, name, method="get", status=200, **params):
    if method == "post":
        response = client.post(f"/api/3/action/{name}", json.dumps(params), content_type="application/json")
    else:
        response = client.get(f"/api/3/action/{name}", params)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["help"].endswith(f"/api/3/action/help_show?name={name}")
    assert body["success"] is (status == 200)
    return body["result"] if status == 200 else body["error"]


# ------------------------------------------------------------------------------------- with ckanapi


def test_ckanapi_lists_shows_and_searches_the_catalogue(published, ckan, live_server):
    assert IDENTIFIER in ckan.action.package_list()

    package = ckan.action.package_show(id=IDENTIFIER)
    assert package["name"] == IDENTIFIER and package["title"] == "311 Service Requests"
    assert package["organization"]["name"] == "city-of-chicago"
    assert [group["name"] for group in package["groups"]] == ["service-requests"]
    assert "311" in [tag["name"] for tag in package["tags"]]
    assert {"key": "accrualPeriodicity", "value": "R/PT1H"} in package["extras"]
    resources = {resource["format"]: resource for resource in package["resources"]}
    assert set(resources) == {"CSV", "JSON", "GeoJSON"} and package["num_resources"] == 3
    assert resources["CSV"]["id"] == f"{IDENTIFIER}-csv"
    assert resources["CSV"]["url"] == f"{live_server.url}/opendata/{IDENTIFIER}.csv"
    assert [r["datastore_active"] for r in package["resources"]] == [True, False, False]

    found = ckan.action.package_search(fq="tags:311")
    assert IDENTIFIER in [result["name"] for result in found["results"]]
    assert found["count"] == len(found["results"]) and found["facets"] == {} and found["search_facets"] == {}
    assert IDENTIFIER not in [
        r["name"] for r in ckan.action.package_search(fq="groups:participation")["results"]
    ]
    assert ckan.action.organization_list() == ["city-of-chicago"]
    assert "service-requests" in ckan.action.group_list()


def test_ckanapi_pages_through_filtered_requests(published, ckan):
    pages = []
    for offset in range(0, 100, 10):  # bounded: a server that ignored offset must not loop forever
        result = ckan.action.datastore_search(
            resource_id=f"{IDENTIFIER}-csv", filters={"sr_type": POTHOLE}, limit=10, offset=offset
        )
        assert result["total"] == 25
        if not result["records"]:
            break
        pages.append([record["sr_number"] for record in result["records"]])
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [number for page in pages for number in page] == published[POTHOLE]
    assert result["fields"][0] == {"id": "_id", "type": "int", "info": result["fields"][0]["info"]}
    types = {field["id"]: field["type"] for field in result["fields"]}
    assert types["created_date"] == "timestamp" and types["latitude"] == "numeric"
    assert types["duplicate"] == "bool" and types["community_area_number"] == "int"


def test_ckanapi_raises_not_found_and_validation_errors(published, ckan):
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.ValidationError) as caught:
        ckan.action.datastore_search(resource_id=IDENTIFIER, filters={"no_such_column": "x"})
    assert "no_such_column" in caught.value.error_dict["filters"][0]


# ------------------------------------------------------------------------------ the envelope, by hand


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def requests_published(db):
    numbers = publish_requests(potholes=4, rats=3)
    yield numbers
    cache.clear()
    community_area_index_clear()


def test_get_and_post_answer_alike_and_csrf_does_not_block_posts(requests_published, client):
    params = {"resource_id": IDENTIFIER, "filters": {"sr_type": [RATS]}, "sort": "created_date desc"}
    posted = action(client, "datastore_search", method="post", **params)
    got = action(client, "datastore_search", **{**params, "filters": json.dumps(params["filters"])})
    assert posted["records"] == got["records"]
    assert [r["sr_number"] for r in posted["records"]] == list(reversed(requests_published[RATS]))
    assert posted["_links"]["start"].startswith("/api/3/action/datastore_search?")
    assert "offset=100" in posted["_links"]["next"]


def test_datastore_search_fields_q_and_limits(requests_published, client):
    result = action(
        client, "datastore_search", resource_id=f"{IDENTIFIER}-json", fields="sr_number,status", limit=2
    )
    assert [field["id"] for field in result["fields"]] == ["sr_number", "status"]
    assert list(result["records"][0]) == ["sr_number", "status"]
    assert result["total"] == 7 and len(result["records"]) == 2
    assert action(client, "datastore_search", resource_id=IDENTIFIER, q="rodent")["total"] == 3
    assert (
        action(client, "datastore_search", resource_id=IDENTIFIER, q=json.dumps({"sr_type": "POTHOLE"}))[
            "total"
        ]
        == 4
    )
    assert action(client, "datastore_search", resource_id=IDENTIFIER, limit=999999)["limit"] == 32000
    assert action(client, "datastore_search", resource_id=IDENTIFIER, limit=0)["records"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"filters": "{not json"}, "filters"),
        ({"filters": "[1, 2]"}, "filters"),
        ({"filters": json.dumps({"community_area_number": "abc"})}, "filters"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-5"}, "offset"),
        ({"sort": "status; DROP TABLE rows"}, "sort"),
        ({"sort": "nope desc"}, "sort"),
        ({"fields": "sr_number,nope"}, "fields"),
    ],
)
def test_bad_parameters_are_validation_errors_naming_the_field(requests_published, client, params, field):
    error = action(client, "datastore_search", status=400, resource_id=IDENTIFIER, **params)
    assert error["__type"] == "Validation Error"
    assert error[field] and error["message"] == error[field][0]


def test_unknown_resources_actions_and_methods(requests_published, client):
    error = action(client, "datastore_search", status=404, resource_id="nope-csv")
    assert error["__type"] == "Not Found Error" and "nope-csv" in error["message"]
    assert action(client, "datastore_search", status=400)["resource_id"] == ["Missing value"]
    unknown = client.get("/api/3/action/package_delete")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "Bad request - Action name not known: package_delete"
    assert client.put("/api/3/action/package_list").status_code == 405
    bad_body = client.post("/api/3/action/package_list", "{oops", content_type="application/json")
    assert bad_body.status_code == 400 and bad_body.json()["success"] is False


def test_package_search_q_sort_and_paging(requests_published, client):
    everything = action(client, "package_search", rows=1000)
    assert everything["count"] == len(everything["results"]) >= 1
    assert action(client, "package_search", q="service requests")["count"] >= 1
    assert action(client, "package_search", q="nothing-mentions-this")["count"] == 0
    by_name = action(client, "package_search", sort="name asc", rows=1000)["results"]
    assert [p["name"] for p in by_name] == sorted(p["name"] for p in by_name)
    second = action(client, "package_search", sort="name asc", rows=1, start=1)["results"]
    assert [p["name"] for p in second] == [p["name"] for p in by_name[1:2]]
    assert action(client, "package_search", status=400, fq="secret:x")["__type"] == "Validation Error"
    assert action(client, "package_search", status=400, sort="color asc")["sort"]


def test_ckan_package_without_an_export_has_no_resources(rf):
    from civicloop.opendata.registry import dataset_get

    package = ckan_package(dataset_get(IDENTIFIER), None, request=rf.get("/"))
    assert package["resources"] == [] and package["num_resources"] == 0
    assert package["license_url"] and package["notes"]


# ---------------------------------------------------------------------- filters against a Python filter


@pytest.fixture(scope="module")
def synthetic_datastore(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckan") / "datastore.sqlite3"
    datastore_write(path, COLUMNS, ROWS)
    return path


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(st.sampled_from(list(VALUES)), unique=True, max_size=3), data=st.data())
def test_filters_return_exactly_the_rows_a_python_filter_keeps(synthetic_datastore, names, data):
    from civicloop.opendata.ckan import _filters

    chosen = {}
    for name in names:
        value = data.draw(VALUES[name])
        chosen[name] = data.draw(st.sampled_from([value, [value, data.draw(VALUES[name])]]))
    condition = _filters(SYNTHETIC, {"filters": json.dumps(chosen)})
    result = datastore_query(
        synthetic_datastore,
        DatastoreQuery(condition=condition, select=(SelectColumn(ROW_ID, "_id"),), limit=10_000),
        dataset=SYNTHETIC,
    )

    def stored(name, value):
        return int(value) if isinstance(value, bool) else value

    def keeps(row):
        for name, wanted in chosen.items():
            values = [stored(name, v) for v in (wanted if isinstance(wanted, list) else [wanted])]
            if row[name] is None or row[name] not in values:
                return False
        return True

    assert [row[0] for row in result.rows] == [row["_id"] for row in STORED if keeps(row)], chosen
