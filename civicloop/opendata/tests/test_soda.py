"""Socrata-style /resource/<identifier>.json|csv: SoQL parameters, CSV streaming, Socrata's errors."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.urls import include, path

from civicloop.opendata.tests.test_ckan import IDENTIFIER, POTHOLE, RATS, publish_requests
from civicloop.places.selectors import community_area_index_clear

urlpatterns = [path("", include("civicloop.opendata.api_urls"))]
pytestmark = [pytest.mark.urls(__name__)]

URL = f"/resource/{IDENTIFIER}"


@pytest.fixture
def published(db):
    numbers = publish_requests(potholes=4, rats=3)
    yield numbers
    cache.clear()
    community_area_index_clear()


def rows(client, **params):
    response = client.get(f"{URL}.json", params)
    assert response.status_code == 200, b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))


def error(client, status=400, fmt="json", **params):
    response = client.get(f"{URL}.{fmt}", params)
    assert response.status_code == status, response
    body = response.json()
    assert body["error"] is True and body["message"]
    return body


def test_every_row_in_export_order_by_default(published, client):
    found = rows(client)
    assert [row["sr_number"] for row in found][:1] == [published[POTHOLE][0]]
    assert len(found) == 7
    assert found[0]["duplicate"] is False and isinstance(found[0]["latitude"], float)
    assert "_id" not in found[0]


def test_where_select_order_limit_and_offset(published, client):
    found = rows(
        client,
        **{
            "$select": "sr_number AS number, sr_type",
            "$where": f"sr_type = '{RATS}' AND created_date > '2000-01-01' AND latitude IS NOT NULL",
            "$order": "created_date DESC",
            "$limit": "2",
            "$offset": "1",
        },
    )
    assert found == [{"number": n, "sr_type": RATS} for n in list(reversed(published[RATS]))[1:3]]


def test_in_between_like_not_and_or(published, client):
    where = (
        f"(sr_type in ('{POTHOLE}') OR sr_type like 'Rodent%') AND NOT (community_area_number between 100 and 200)"
        " AND duplicate = false"
    )
    assert len(rows(client, **{"$where": where})) == 7
    assert len(rows(client, **{"$where": "sr_type not in ('x', 'y') and status != 'closed'"})) == 7
    assert rows(client, **{"$where": "sr_type like 'rodent%'"}) == []  # LIKE is case-sensitive, as in SoQL


def test_full_text_simple_filters_and_count(published, client):
    assert len(rows(client, **{"$q": "pothole"})) == 4
    assert len(rows(client, sr_type=RATS)) == 3
    assert rows(client, **{"$select": "count(*)", "$where": f"sr_type = '{POTHOLE}'"}) == [{"count": 4}]


def test_csv_is_streamed_with_a_header_row(published, client):
    response = client.get(
        f"{URL}.csv", {"$select": "sr_number, duplicate, closed_date", "$order": "sr_number"}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert json.loads(response["X-SODA2-Fields"]) == ["sr_number", "duplicate", "closed_date"]
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0] == ["sr_number", "duplicate", "closed_date"]
    assert [row[0] for row in table[1:]] == sorted(published[POTHOLE] + published[RATS])
    assert {row[1] for row in table[1:]} == {"false"} and {row[2] for row in table[1:]} == {""}


@pytest.mark.parametrize(
    ("params", "code", "named"),
    [
        ({"$where": "nope = 1"}, "query.soql.no-such-column", "nope"),
        ({"$select": "sr_number, nope"}, "query.soql.no-such-column", "nope"),
        ({"$order": "nope"}, "query.soql.no-such-column", "nope"),
        ({"nope": "1"}, "query.soql.no-such-column", "nope"),
        ({"$where": "latitude > 'abc'"}, "query.soql.type-mismatch", "latitude"),
        ({"$where": "community_area_number = 'ten'"}, "query.soql.type-mismatch", "community_area_number"),
        ({"$where": "created_date > 'last week'"}, "query.soql.type-mismatch", "created_date"),
        ({"$where": "1=1; DROP TABLE rows"}, "query.compiler.malformed", ";"),
        ({"$where": "status = 'open' --"}, "query.compiler.malformed", "-"),
        (
            {"$where": "status = 'open' UNION SELECT * FROM sqlite_master"},
            "query.compiler.malformed",
            "UNION",
        ),
        ({"$where": "status ="}, "query.compiler.malformed", "end"),
        ({"$select": "sum(latitude)"}, "query.compiler.malformed", "not supported"),
        ({"$group": "status"}, "query.compiler.malformed", "$group"),
        ({"$limit": "-1"}, "query.compiler.malformed", "$limit"),
        ({"$offset": "abc"}, "query.compiler.malformed", "$offset"),
    ],
)
def test_bad_queries_are_400_with_socrata_codes(published, client, params, code, named):
    body = error(client, **params)
    assert body["code"] == code
    assert named in body["message"]


def test_bad_queries_change_nothing(published, client):
    error(client, **{"$where": "1=1; DROP TABLE rows"})
    assert len(rows(client)) == 7


def test_limits_default_and_cap(published, client):
    assert len(rows(client, **{"$limit": "999999"})) == 7
    assert len(rows(client, **{"$limit": "0"})) == 0


def test_unknown_datasets_and_formats_are_404_json(published, client):
    response = client.get("/resource/no-such-dataset.json")
    assert response.status_code == 404 and response.json()["error"] is True
    assert error(client, status=404, fmt="xml")["message"]


def test_a_dataset_never_exported_is_404(client, db):
    response = client.get(f"{URL}.json")
    assert response.status_code == 404 and "not been published" in response.json()["message"]
