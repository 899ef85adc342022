"""The community areas in the JSON API: all 77 without boundaries, one with its boundary."""

from typing import Any

import pytest
from django.test import Client

from civicloop.places.services import community_areas_load


@pytest.fixture
def areas(db: Any, settings: Any) -> None:
    settings.SITE_URL = "https://city.example.org"
    community_areas_load()


def test_the_77_areas_come_by_name_with_population_and_no_boundary(
    areas: None, client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/areas?limit=200")

    body = response.json()
    assert response.status_code == 200 and body["count"] == 77 and len(body["items"]) == 77
    assert sum(item["population_2020"] for item in body["items"]) == 2_746_388
    names = [item["name"] for item in body["items"]]
    assert names == sorted(names)
    loop = next(item for item in body["items"] if item["slug"] == "loop")
    assert loop == {
        "number": 32,
        "name": "Loop",
        "slug": "loop",
        "population_2020": loop["population_2020"],
        "url": "https://city.example.org/announcements/?area=loop",
    }
    assert loop["population_2020"] > 0


def test_the_list_pages_50_areas_by_default(areas: None, client: Client) -> None:
    first = client.get("/api/v1/areas").json()
    rest = client.get("/api/v1/areas?offset=50").json()

    assert len(first["items"]) == 50 and len(rest["items"]) == 27
    assert {a["slug"] for a in first["items"]}.isdisjoint(a["slug"] for a in rest["items"])


def test_one_area_has_its_geojson_boundary(areas: None, client: Client) -> None:
    body = client.get("/api/v1/areas/hyde-park").json()

    assert body["name"] == "Hyde Park" and body["number"] == 41
    assert body["boundary"]["type"] in {"Polygon", "MultiPolygon"} and body["boundary"]["coordinates"]


def test_an_unknown_area_is_a_json_404(areas: None, client: Client) -> None:
    response = client.get("/api/v1/areas/atlantis")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no community area atlantis."}
