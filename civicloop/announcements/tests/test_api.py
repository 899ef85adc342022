"""The JSON API at /api/v1/: announcements and topics, paging, the OpenAPI document and CORS."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings: Any) -> None:
    settings.SITE_URL = "https://city.example.org"


def get_json(client: Client, path: str, status: int = 200, language: str = "") -> Any:
    response = client.get(path, headers={"Accept-Language": language} if language else {})
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def titles(client: Client, query: str = "") -> list[str]:
    return [item["title"] for item in get_json(client, f"/api/v1/announcements?{query}")["items"]]


# ------------------------------------------------------------------------------------------ announcements


def test_the_list_gives_published_announcements_newest_first_with_their_web_address(client: Client) -> None:
    parks = make_topic("parks-culture", "Parks and culture", "Parques y cultura")
    pilsen = make_area(31, "Lower West Side")
    older = make_announcement(
        title="Older news", published_at=timezone.now() - timedelta(days=2), topics=[parks], areas=[pilsen]
    )
    make_announcement(title="Newer news")
    make_announcement(title="A draft nobody may read yet", publish=False)

    body = get_json(client, "/api/v1/announcements")

    assert body["count"] == 2
    assert [item["title"] for item in body["items"]] == ["Newer news", "Older news"]
    item = body["items"][1]
    assert item["slug"] == older.slug and item["status"] == "published" and item["kind"] == "program"
    assert item["url"] == f"https://city.example.org/announcements/{older.slug}/"
    assert item["summary"] == "Help with rent for families." and item["language"] == "en"
    assert item["languages"] == ["en", "es"]
    assert item["topics"] == [{"slug": "parks-culture", "name": "Parks and culture"}]
    assert item["areas"] == [{"slug": "lower-west-side", "name": "Lower West Side"}]
    assert item["is_citywide"] is False and item["published_at"]


def test_the_list_filters_by_topic_area_kind_language_and_words_as_the_website(client: Client) -> None:
    pilsen, loop = make_area(31, "Lower West Side"), make_area(32, "Loop")
    parks = make_topic("parks-culture", "Parks and culture", "Parques y cultura")
    make_announcement(title="Pilsen parks festival", topics=[parks], areas=[pilsen])
    make_announcement(title="Loop parks festival", topics=[parks], areas=[loop])
    make_announcement(title="Citywide parks news", topics=[parks], spanish=None)
    make_announcement(title="Housing news", body="Free water tests for homes")
    make_announcement(title="Policy on parks", topics=[parks], kind=Kind.POLICY)

    by_area = titles(client, "topic=parks-culture&area=lower-west-side")
    assert set(by_area) == {"Pilsen parks festival", "Citywide parks news", "Policy on parks"}
    assert titles(client, "kind=policy") == ["Policy on parks"]
    assert "Citywide parks news" not in titles(client, "topic=parks-culture&lang=en&lang=es")
    assert titles(client, "q=water+tests") == ["Housing news"]


@pytest.mark.parametrize("query", ["topic=nope", "area=atlantis", "kind=rumour", "lang=fr"])
def test_unknown_filter_values_give_an_empty_list_not_everything(client: Client, query: str) -> None:
    make_announcement()

    assert get_json(client, f"/api/v1/announcements?{query}") == {"items": [], "count": 0}


def test_asking_for_spanish_gives_the_spanish_text_and_english_where_there_is_none(client: Client) -> None:
    make_announcement(title="Rental help")
    make_announcement(title="Only in English", spanish=None)

    spanish = get_json(client, "/api/v1/announcements?lang=es")["items"]
    by_accept_language = get_json(client, "/api/v1/announcements", language="es")["items"]

    assert [(i["title"], i["language"]) for i in spanish] == [
        ("Nuevo programa de ayuda para el alquiler", "es")
    ]
    assert [(i["title"], i["language"]) for i in by_accept_language] == [
        ("Only in English", "en"),
        ("Nuevo programa de ayuda para el alquiler", "es"),
    ]


def test_one_announcement_has_its_full_text_and_a_draft_or_unknown_slug_is_a_json_404(client: Client) -> None:
    published = make_announcement(title="Lead pipes", body="Free **water** tests")
    draft = make_announcement(title="Secret plans", publish=False)

    body = get_json(client, f"/api/v1/announcements/{published.slug}")
    hidden = get_json(client, f"/api/v1/announcements/{draft.slug}", status=404)
    unknown = get_json(client, "/api/v1/announcements/no-such-thing", status=404)

    assert body["title"] == "Lead pipes" and "<strong>water</strong>" in body["body_html"]
    assert hidden == unknown == {"detail": "No such announcement."}


def test_a_list_of_30_announcements_takes_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    topics = [make_topic("housing"), make_topic("parks", "Parks", "Parques")]
    areas = [make_area(31, "Lower West Side"), make_area(32, "Loop")]
    for number in range(30):
        make_announcement(title=f"News {number}", topics=topics, areas=areas if number % 2 else None)

    with django_assert_max_num_queries(5):
        body = get_json(client, "/api/v1/announcements")

    assert body["count"] == 30 and len(body["items"]) == 30
    assert all(len(item["topics"]) == 2 for item in body["items"])


def test_lists_page_by_limit_and_offset_50_by_default_at_most_200(client: Client) -> None:
    for number in range(55):
        make_announcement(title=f"News {number}", spanish=None, topics=[])

    first = get_json(client, "/api/v1/announcements")
    last = get_json(client, "/api/v1/announcements?limit=10&offset=50")
    too_many = get_json(client, "/api/v1/announcements?limit=201", status=422)
    negative = get_json(client, "/api/v1/announcements?offset=-1", status=422)

    assert first["count"] == 55 and len(first["items"]) == 50
    assert last["count"] == 55 and len(last["items"]) == 5
    assert too_many["detail"][0]["loc"][-1] == "limit" and negative["detail"][0]["loc"][-1] == "offset"


# ------------------------------------------------------------------------------------------------ topics


def test_topics_list_each_topic_in_both_languages_with_its_announcements_page(client: Client) -> None:
    make_topic("housing", "Housing", "Vivienda")

    body = get_json(client, "/api/v1/topics", language="es")

    assert body["count"] == 1
    assert body["items"] == [
        {
            "slug": "housing",
            "name": "Vivienda",
            "name_en": "Housing",
            "name_es": "Vivienda",
            "url": "https://city.example.org/announcements/?topic=housing",
        }
    ]


# ------------------------------------------------------------------------------------- OpenAPI and CORS


def test_the_openapi_document_lists_every_endpoint_and_only_gets(client: Client) -> None:
    document = get_json(client, "/api/v1/openapi.json")

    assert set(document["paths"]) == {
        "/api/v1/announcements",
        "/api/v1/announcements/{slug}",
        "/api/v1/topics",
        "/api/v1/areas",
        "/api/v1/areas/{slug}",
        "/api/v1/questions",
        "/api/v1/questions/{question_id}",
        "/api/v1/ideas",
        "/api/v1/ideas/{idea_id}",
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}",
        "/api/v1/conversations/{conversation_id}/report",
    }
    assert {method for path in document["paths"].values() for method in path} == {"get"}
    parameters = {p["name"] for p in document["paths"]["/api/v1/announcements"]["get"]["parameters"]}
    assert {"topic", "area", "kind", "lang", "q", "limit", "offset"} <= parameters


def test_any_website_may_read_the_api_but_not_post_to_it(client: Client) -> None:
    make_announcement()

    read = client.get("/api/v1/announcements", headers={"Origin": "https://example.org"})
    preflight = client.options(
        "/api/v1/announcements",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    posted = client.post("/api/v1/announcements", headers={"Origin": "https://example.org"})

    assert read.status_code == 200 and read["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in read
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    assert posted.status_code == 405
