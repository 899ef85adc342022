"""The directory's pages: life events first, plain-words search that never errors, entries, journeys."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicloop.directory.tests.factories import make_entry, make_life_event, make_location
from civicloop.servicerequests.models import Service
from civicloop.topics.models import Topic

pytestmark = pytest.mark.django_db


def spanish(client: Any) -> Any:
    client.cookies["django_language"] = "es"
    return client


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_front_door_leads_with_life_events_then_topics_then_search_and_is_in_the_main_navigation(client):
    Topic.objects.create(slug="housing", name_en="Housing", name_es="Vivienda")
    make_life_event("moving-to-chicago", title="Moving to Chicago")

    html = page(client, "/services/")

    assert html.index("Moving to Chicago") < html.index("Housing") < html.index('role="search"')
    assert 'href="/services/life-events/moving-to-chicago/"' in html
    assert '<a href="/services/">Services by life event</a>' in html
    assert 'label for="directory-search"' in html


def test_search_finds_plain_words_whatever_their_case_or_accents_in_the_readers_language_or_english(client):
    make_entry("library-card")
    make_entry(
        "business-licence", name="Get a business licence", spanish=("Licencia de negocio", "Abra su negocio.")
    )
    make_entry("citykey", name="CityKey ID", spanish=("Identificación CityKey", "Una identificación."))

    english = page(client, "/services/?q=LIBRARY+card")
    assert "Get a library card" in english and "business licence" not in english
    assert "Identificación CityKey" in page(spanish(client), "/services/?q=identificacion")
    assert "Identificación CityKey" in page(client, "/services/?q=IDENTIFICACIÓN")
    # A Spanish reader typing English words still finds the entry (English is always searched too).
    assert "Licencia de negocio" in page(client, "/services/?q=business")
    assert "1 service or program" in page(client.__class__(), "/services/?q=licence")


def test_search_matches_the_start_of_words_in_any_city_language_and_shows_the_readers_language(client):
    make_entry(
        "rats",
        name="Rodent baiting",
        summary="Report rats in your alley.",
        spanish=("Control de ratas", "Ratas."),
    )
    make_entry("recycling", name="Separate recycling", summary="Blue carts.", spanish=None)

    english = page(client, "/services/?q=RAT")
    typed_in_spanish = page(client, "/services/?q=control+de+ratas")

    assert "Rodent baiting" in english and "Separate recycling" not in english
    assert "1 service or program" in typed_in_spanish and ">Rodent baiting</a>" in typed_in_spanish


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "!!!",
        "%",
        "_",
        "'; DROP TABLE x; --",
        "x" * 5000,
        "Привет мир",
        "图书馆",
        "مكتبة",
        "\u200b",
        "🙂",
    ],
)
def test_an_empty_enormous_punctuation_or_unexpected_script_query_gives_a_helpful_page(client, query):
    make_entry()

    html = page(client, "/services/?" + f"q={query}&page=abc")

    assert "Services by life event" in html
    if query and query.strip() and not any(char.isalnum() for char in query):
        assert "We could not find any words to search for" in html
    if len(query) > 200:
        assert "Only the first 200 characters of your search were used." in html


def test_a_search_with_no_match_says_what_to_do_next(client):
    make_entry()

    html = page(client, "/services/?q=submarine")

    assert "0 services and programs" in html and "call 311" in html


def test_results_are_paged_and_a_page_costs_the_same_queries_however_many_results(client):
    for number in range(3):
        make_entry(f"warming-{number}", name=f"Warming center {number}", spanish=None)
    with CaptureQueriesContext(connection) as few:
        page(client, "/services/?q=warming")
    few_queries = len(few)  # read now: the next request clears the connection's query log
    for number in range(3, 25):
        make_entry(f"warming-{number}", name=f"Warming center {number}", spanish=None)
    with CaptureQueriesContext(connection) as many:
        first = page(client, "/services/?q=warming")
    many_queries = len(many)

    second = page(client, "/services/?q=warming&page=2")
    assert many_queries == few_queries > 0
    assert "25 services and programs" in first and "Page 1 of 2" in first
    assert 'href="?q=warming&amp;page=2"' in first
    assert second.count('class="card"') == 5
    assert "Page 2 of 2" in page(client, "/services/?q=warming&page=999")


def test_a_topic_lists_its_entries_and_an_unknown_topic_none(client):
    housing = Topic.objects.create(slug="housing", name_en="Housing", name_es="Vivienda")
    make_entry("rent-help", name="Emergency rental assistance", topic=housing)
    make_entry()

    html = page(client, "/services/?topic=housing")

    assert "Emergency rental assistance" in html and "Get a library card" not in html
    assert "0 services and programs" in page(client, "/services/?topic=atlantis")


def test_an_entry_says_what_it_is_how_to_get_it_where_and_when_and_which_journeys_it_is_part_of(client):
    service = Service.objects.create(
        code="4fd3b9bce750846c53000004", name="Rodent Baiting", department="Streets"
    )
    entry = make_entry(
        "rats",
        name="Rat baiting",
        service=service,
        phone="311",
        online_url="https://www.chicago.gov/",
        in_person=True,
        languages_offered=["en", "es", "pl"],
    )
    entry.locations.add(make_location())
    make_life_event(
        "renting", title="Renting a home", steps=[{"title": {"en": "Keep it clean"}, "tasks": [entry]}]
    )
    make_life_event(
        "moving", title="Moving to Chicago", steps=[{"title": {"en": "Settle in"}, "tasks": [entry]}]
    )

    html = page(client, "/services/rats/")

    assert "<h1>Rat baiting</h1>" in html
    assert 'href="/requests/new/4fd3b9bce750846c53000004/"' in html
    assert 'href="tel:311"' in html and 'href="https://www.chicago.gov/"' in html
    assert "Harold Washington Library Center" in html and "Mon–Thu 9 a.m.–8 p.m." in html
    assert 'Part of <a href="/services/life-events/renting/">Renting a home</a>' in html
    assert 'Part of <a href="/services/life-events/moving/">Moving to Chicago</a>' in html
    assert '<span lang="pl">polski</span>' in html
    assert "Free" in html and "Chicago Public Library" in html
    assert "/subscribe/" in html


def test_an_entry_without_the_readers_language_is_shown_in_english_with_a_notice_in_theirs(client):
    make_entry("english-only", name="Free smoke alarms", spanish=None)

    html = page(spanish(client), "/services/english-only/")

    assert "Free smoke alarms" in html
    assert "Esta página aún no está disponible en su idioma, por eso se muestra en inglés." in html
    assert '<article lang="en">' in html


def test_an_unknown_entry_or_journey_is_not_found(client):
    assert client.get("/services/nope/").status_code == 404
    assert client.get("/services/life-events/nope/").status_code == 404


def test_what_staff_wrote_is_escaped(client):
    make_entry("hostile", name="<script>alert(1)</script>", spanish=None)

    html = page(client, "/services/hostile/")

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def journey(steps: int, tasks_per_step: int, slug: str = "new-baby", prefix: str = "entry") -> None:
    steps_data = []
    for number in range(steps):
        entries = [
            make_entry(f"{prefix}-{number}-{task}", name=f"Task {number}-{task}", spanish=None)
            for task in range(tasks_per_step)
        ]
        steps_data.append(
            {
                "title": {"en": f"Step title {number}", "es": f"Paso {number}"},
                "tasks": entries,
                "optional": number == 1,
                "relation": "or" if number == 0 else "and",
            }
        )
    make_life_event(slug, title="Having a baby", steps=steps_data)


def test_a_journey_has_numbered_steps_optional_ones_marked_and_or_between_and_tasks_linking_to_entries(
    client,
):
    journey(steps=3, tasks_per_step=2)

    html = page(client, "/services/life-events/new-baby/")

    assert html.index("Step title 0") < html.index(">or<") < html.index("Step title 1")
    assert html.index("Step title 1") < html.index(">and<") < html.index("Step title 2")
    assert html.count("(optional)") == 1
    assert '<a href="/services/entry-2-1/">Task 2-1</a>, <span class="meta">Free</span>' in html
    assert '<span class="visually-hidden">Step </span>3</span>' in html
    assert "Paso 0" in page(spanish(client), "/services/life-events/new-baby/")


def test_a_journey_and_the_journeys_list_cost_the_same_queries_however_long_they_are(client):
    journey(steps=1, tasks_per_step=1)
    counts = {}
    with CaptureQueriesContext(connection) as short:
        page(client, "/services/life-events/new-baby/")
    counts["short"] = len(short)  # read now: the next request clears the connection's query log
    with CaptureQueriesContext(connection) as list_few:
        page(client, "/services/life-events/")
    counts["list_few"] = len(list_few)
    journey(steps=6, tasks_per_step=4, slug="long-journey", prefix="long")
    for number in range(10):
        make_life_event(f"event-{number}", title=f"Event {number}")
    with CaptureQueriesContext(connection) as long:
        html = page(client, "/services/life-events/long-journey/")
    counts["long"] = len(long)
    with CaptureQueriesContext(connection) as list_many:
        page(client, "/services/life-events/")
    counts["list_many"] = len(list_many)

    assert "Task 5-3" in html
    assert counts["long"] == counts["short"] > 0
    assert counts["list_many"] == counts["list_few"] > 0


def test_a_journey_is_published_as_structured_data_linked_from_its_page(client):
    entry = make_entry()
    make_life_event(
        "new-baby", steps=[{"title": {"en": "Get a card", "es": "Obtenga una tarjeta"}, "tasks": [entry]}]
    )

    html = page(client, "/services/life-events/new-baby/")
    response = client.get("/services/life-events/new-baby.jsonld?lang=es")

    assert (
        '<link rel="alternate" type="application/ld+json" href="/services/life-events/new-baby.jsonld?lang=en">'
        in html
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    data = response.json()
    assert data["@type"] == "HowTo" and data["name"] == "Tener un bebé" and data["inLanguage"] == "es"
    assert data["step"][0]["name"] == "Obtenga una tarjeta" and data["step"][0]["position"] == 1
    assert data["step"][0]["itemListElement"][0]["url"].endswith("/services/library-card/")
    assert client.get("/services/life-events/nope.jsonld").status_code == 404
