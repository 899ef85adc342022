"""Property-based fuzzing of Open311 GeoReport v2 (issue 15 item 7): it has no OpenAPI file, so hypothesis
builds the requests from what the spec and this city's catalogue take.

Every GET parameter of services.json, requests.json and requests/{id}.json and every form field of a
POST to requests.json (form-encoded, as GeoReport clients send it) gets values drawn from what a client
means (real service codes, request ids, W3C dates, coordinates in Chicago, the service's attribute
answers) mixed with what it should not send (wrong types, out of range, other scripts' digits, control
characters and NUL, the hostile corpus, long and random text), in JSON and in XML. Whatever comes in:
no server error; a success is the spec's document; every error is the spec's error list (one
``{code, description}`` with the HTTP status as its code); a refused POST stores nothing (no request,
no status change) and an accepted one stores exactly one request.

CI runs 40 examples per endpoint with a fixed seed (``derandomize``); ``FUZZ_FULL=1`` runs 1,000 each at
random.
"""

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.core.hostile import HOSTILE
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest, StatusChange
from civicloop.servicerequests.services import (
    RequestInput,
    api_client_issue,
    api_client_revoke,
    service_request_create,
    services_load,
)
from civicloop.topics.services import topics_ensure

FULL = os.environ.get("FUZZ_FULL") == "1"
EXAMPLES = 1000 if FULL else 40
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=not FULL,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
POTHOLE = "Pothole in Street Complaint"
RATS = "Rodent Baiting/Rat Complaint"
PILSEN = ("41.8575", "-87.6563")
FORMATS = st.sampled_from(["json", "xml"])


# ------------------------------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Chicago's services and areas, three requests (one closed), a live and a revoked API key; built once
    for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        topics_ensure()
        community_areas_load()
        services_load()
        pothole = Service.objects.get(name=POTHOLE)
        rats = Service.objects.get(name=RATS)
        requests = [
            service_request_create(
                data=RequestInput(
                    service_code=service.code,
                    latitude=PILSEN[0],
                    longitude=PILSEN[1],
                    attributes=answers,
                    description="Deep hole",
                )
            )
            for service, answers in (
                (pothole, {"WHEREIST": ["TRAFFIC"]}),
                (pothole, {"WHEREIST": ["CROSSWALK"]}),
                (rats, {"SEEN": ["ALLEY"]}),
            )
        ]
        live = api_client_issue(name="Fix-it app", requests_per_minute=10_000)[1]
        revoked_client, revoked = api_client_issue(name="Old app")
        api_client_revoke(client=revoked_client)
        cache.clear()
        yield {
            "codes": sorted(Service.objects.values_list("code", flat=True)),
            "pothole": pothole.code,
            "rats": rats.code,
            "ids": [request.public_id for request in requests],
            "tokens": [request.token for request in requests],
            "key": live,
            "revoked": revoked,
        }
        transaction.set_rollback(True)
    cache.clear()


# ------------------------------------------------------------------------------------------- strategies

# Other scripts' digits and number look-alikes (str.isdigit() takes some that int() refuses), signs,
# exponents, words Python's float() reads.
NUMBERS = (
    "0",
    "-1",
    "+1",
    "1.5",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-Infinity",
    "0x10",
    "1_000",
    " 7 ",
    "²",
    "³²",
    "①",
    "٣",
    "१२",
    "𝟙",
    "9" * 40,
    "-" + "9" * 40,
    "9" * 5000,  # more digits than int() parses
    str(2**63),
    str(2**64),
)
# Valid W3C datetimes at the ends of the calendar, and invalid ones.
BOUNDARY_DATES = (
    "2026-11-21T15:00:00-06:00",
    "2026-11-21T15:00:00Z",
    "2026-11-21",
    "0001-01-01",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59+23:59",
    "9999-12-31T23:59:59-23:59",
    "2026-02-30",
    "2026-11-21T25:00:00",
    "2026-11-21T15:00:00+99:00",
)
OTHERS = ("", " ", "\t", "\x00", "a\x00", "\r\n", "\u202e", "true", "false", "null", "[]", "{}", ",", ",,,")
# Longer than their columns: the database must never be the one to refuse them (PostgreSQL would, with a
# server error; SQLite stores them whole).
LONG = ("x" * 5000, "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org", "é" * 300)
TRICKY = (*NUMBERS, *BOUNDARY_DATES, *OTHERS, *LONG)
TRICKY_NUMBERS = st.sampled_from(NUMBERS)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
WEIRD = st.one_of(
    TRICKY_NUMBERS,
    TEXT,
    st.sampled_from([payload.value for payload in HOSTILE]),
    st.sampled_from(OTHERS),
)
DATES = st.one_of(
    st.dates().map(str),
    st.datetimes(timezones=st.timezones() | st.none()).map(lambda moment: moment.isoformat()),
    st.sampled_from(BOUNDARY_DATES),
)
LATITUDES = st.one_of(
    st.floats(41.65, 42.02).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str), TRICKY_NUMBERS
)
LONGITUDES = st.one_of(
    st.floats(-87.94, -87.53).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    TRICKY_NUMBERS,
)


def _maybe(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """What a client means, or anything."""
    return st.one_of(values, WEIRD)


def _comma_list(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(_maybe(values), min_size=1, max_size=4).map(",".join)


def _query(world: dict[str, Any]) -> dict[str, st.SearchStrategy[str]]:
    """GET requests.json's parameters (the spec's and this city's extensions)."""
    return {
        "jurisdiction_id": _maybe(st.just("cityofchicago.org")),
        "service_request_id": _comma_list(st.sampled_from(world["ids"])),
        "service_code": _comma_list(st.sampled_from(world["codes"])),
        "status": _comma_list(st.sampled_from(["open", "closed", "OPEN", "Closed"])),
        "start_date": _maybe(DATES),
        "end_date": _maybe(DATES),
        "updated_after": _maybe(DATES),
        "updated_before": _maybe(DATES),
        "page": _maybe(st.integers(0, 10**7).map(str)),
        "page_size": _maybe(st.integers(0, 1000).map(str)),
        "extensions": _maybe(st.sampled_from(["true", "TRUE", "false"])),
        "lat": _maybe(LATITUDES),
        "long": _maybe(LONGITUDES),
        "radius": _maybe(st.integers(-10, 10**6).map(str)),
        "q": WEIRD,
    }


def _some_of(fields: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[dict[str, str]]:
    """A few of the parameters, each with a drawn value; unknown names now and then."""
    return st.fixed_dictionaries({}, optional={**fields, "unknown": WEIRD, "api_key[]": WEIRD})


def _some(fields: dict[str, st.SearchStrategy[Any]], most: int = 4) -> st.SearchStrategy[dict[str, Any]]:
    """Up to `most` of the fields, each with a drawn value."""
    names = st.lists(st.sampled_from(sorted(fields)), max_size=most, unique=True)
    return names.flatmap(lambda chosen: st.fixed_dictionaries({name: fields[name] for name in chosen}))


def _form(world: dict[str, Any]) -> st.SearchStrategy[tuple[bool, dict[str, Any]]]:
    """A POST to requests.json: a pothole report the city accepts, then a few fields changed either to other
    values a client means (the report must still be accepted: True) or to anything (False)."""
    report = _report(world)
    clean_text = st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40
    )
    meant = {
        "attribute[WHEREIST]": st.sampled_from(["TRAFFIC", "CROSSWALK", "BIKE", "CURB"]),
        "attribute[SIZE]": st.integers(0, 400).map(str),
        "attribute[NOTICED]": st.sampled_from(["2026-11-20T08:00:00-06:00", "2026-11-20T14:00:00Z"]),
        "description": clean_text,
        "address_string": clean_text,
        "address_id": clean_text,
        "media_url": st.sampled_from(["", "https://example.org/hole.jpg", "http://example.org/a%20b.png"]),
        "email": st.sampled_from(["", "resident@example.org", " RESIDENT@Example.org "]),
        "phone": st.sampled_from(["", "+13125550123", "(312) 555-0123", "312.555.0123"]),
        "first_name": clean_text,
        "last_name": clean_text,
        "device_id": clean_text,
        "account_id": clean_text,
        "jurisdiction_id": st.sampled_from(["", "cityofchicago.org", " cityofchicago.org "]),
    }
    anything = {
        **{name: WEIRD for name in meant},
        "api_key": st.one_of(st.just(world["revoked"]), WEIRD),
        "service_code": st.one_of(st.sampled_from(world["codes"]), WEIRD),
        "lat": LATITUDES,
        "long": LONGITUDES,
        "attribute[NOTICED]": _maybe(DATES),
        "attribute[NOSUCH]": WEIRD,
        "attribute[SEEN][]": st.lists(WEIRD, max_size=3),
        "attribute[WHEREIST][]": st.lists(st.sampled_from(["TRAFFIC", "CURB"]), max_size=3),
        "attribute[]": WEIRD,
        "api_key[]": WEIRD,
    }
    changes = st.one_of(
        _some(meant).map(lambda fields: (True, fields)), _some(anything).map(lambda fields: (False, fields))
    )
    return changes.map(lambda change: (change[0], {**report, **change[1]}))


# ------------------------------------------------------------------------------------------- checks


def _body(response: Any, fmt: str) -> Any:
    """The parsed document; fails when a JSON or XML answer is not well formed."""
    assert response.status_code < 500, f"{response.status_code}: {response.content[:2000]!r}"
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ET.fromstring(response.content)


def assert_open311_answer(response: Any, fmt: str, *, root: str, errors: tuple[int, ...]) -> Any:
    """A success is a document under `root`; anything else is the spec's error list, one error whose code
    is the HTTP status."""
    document = _body(response, fmt)
    status = response.status_code
    if status == 200:
        if fmt == "json":
            assert isinstance(document, list | dict), document
        else:
            assert document.tag == root, document.tag
        return document
    assert status in errors, f"{status}: {response.content[:500]!r}"
    if fmt == "json":
        assert isinstance(document, list) and len(document) == 1, document
        assert set(document[0]) == {"code", "description"}, document
        assert document[0]["code"] == status and isinstance(document[0]["description"], str)
        description = document[0]["description"]
    else:
        assert document.tag == "errors" and [child.tag for child in document] == ["error"]
        assert [child.tag for child in document[0]] == ["code", "description"]
        assert document.findtext("error/code") == str(status)
        description = document.findtext("error/description") or ""
    assert description.strip(), "an error without a description"
    return None


def _rows() -> tuple[int, int]:
    return ServiceRequest.objects.count(), StatusChange.objects.count()


def assert_fits_its_columns(created: ServiceRequest) -> None:
    """Every text stored fits its column, as PostgreSQL demands (SQLite would store it whole)."""
    for field in ServiceRequest._meta.concrete_fields:
        value = getattr(created, field.attname)
        if field.max_length and isinstance(value, str):
            assert len(value) <= field.max_length, f"{field.name} holds {len(value)} characters"


def _report(world: dict[str, Any]) -> dict[str, str]:
    return {
        "api_key": world["key"],
        "service_code": world["pothole"],
        "lat": PILSEN[0],
        "long": PILSEN[1],
        "attribute[WHEREIST]": "TRAFFIC",
        "description": "Deep hole",
    }


def _post(client: Client, form: dict[str, Any], fmt: str) -> tuple[Any, Any, tuple[int, int]]:
    """POST as GeoReport clients do (form-encoded); the parsed answer; the rows before it."""
    cache.clear()  # the per-client rate limit counts in the cache
    before = _rows()
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        urlencode(form, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )
    document = assert_open311_answer(response, fmt, root="service_requests", errors=(400, 403, 404))
    return response, document, before


def assert_stored_exactly_or_nothing(document: Any, before: tuple[int, int], form: dict[str, Any]) -> None:
    if document is None:
        assert _rows() == before, f"a refused request stored rows: {form!r}"
        return
    assert _rows() == (before[0] + 1, before[1] + 1), "not exactly one request stored"
    created = ServiceRequest.objects.latest("pk")
    if isinstance(document, ET.Element):
        assert document.findtext("request/service_request_id") == created.public_id
    else:
        assert [row["service_request_id"] for row in document] == [created.public_id]
    assert created.description == str(form.get("description", "")).strip()
    assert created.api_client is not None and created.service.code == str(form["service_code"]).strip()
    assert_fits_its_columns(created)


# ------------------------------------------------------------------------------------------- GET

SEARCH_PARAMETERS = (
    "jurisdiction_id",
    "service_request_id",
    "service_code",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "page",
    "page_size",
    "extensions",
    "lat",
    "long",
    "radius",
    "q",
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SEARCH_PARAMETERS)
def test_each_search_parameter_takes_each_tricky_value(world: Any, name: str) -> None:
    """Deterministic, before the random search below: every number trick, calendar end and empty or
    control value in each parameter of requests.json, alone (the others left out)."""
    client = Client()
    for value in TRICKY:
        for fmt in ("json", "xml") if FULL else ("json",):
            cache.clear()
            response = client.get(f"/open311/v2/requests.{fmt}?{urlencode({name: value})}")
            try:
                assert_open311_answer(response, fmt, root="service_requests", errors=(400, 404))
            except AssertionError as error:
                raise AssertionError(f"{name}={value[:60]!r} ({fmt}): {error}") from error


@pytest.mark.django_db
def test_services_json_and_xml_answer_any_query_with_the_list_or_an_open311_error(world: Any) -> None:
    client = Client()
    fields = {
        "jurisdiction_id": _maybe(st.just("cityofchicago.org")),
        "lang": _maybe(st.sampled_from(["en", "es", "es-MX"])),
        "lat": _maybe(LATITUDES),
        "long": _maybe(LONGITUDES),
    }

    @HYPOTHESIS
    @given(params=_some_of(fields), fmt=FORMATS)
    def check(params: dict[str, str], fmt: str) -> None:
        response = client.get(f"/open311/v2/services.{fmt}?{urlencode(params)}")
        document = assert_open311_answer(response, fmt, root="services", errors=(400, 404))
        if document is not None and fmt == "json":
            assert {service["service_code"] for service in document} == set(world["codes"])

    check()


@pytest.mark.django_db
def test_requests_json_and_xml_answer_any_search_with_requests_or_an_open311_error(world: Any) -> None:
    client = Client()

    @HYPOTHESIS
    @given(params=_some_of(_query(world)), fmt=FORMATS)
    def check(params: dict[str, str], fmt: str) -> None:
        cache.clear()  # a cached page would hide the second answer's code path
        response = client.get(f"/open311/v2/requests.{fmt}?{urlencode(params)}")
        document = assert_open311_answer(response, fmt, root="service_requests", errors=(400, 404))
        if document is not None and fmt == "json":
            assert isinstance(document, list)
            assert {row["service_request_id"] for row in document} <= set(world["ids"])

    check()


@pytest.mark.django_db
def test_one_request_answers_any_id_with_the_request_or_an_open311_error(world: Any) -> None:
    client = Client()
    ids = st.one_of(st.sampled_from(world["ids"]), WEIRD.filter(lambda value: value.strip("/")))

    @HYPOTHESIS
    @given(
        public_id=ids,
        params=_some_of({"extensions": _maybe(st.just("true")), "jurisdiction_id": WEIRD}),
        fmt=FORMATS,
    )
    def check(public_id: str, params: dict[str, str], fmt: str) -> None:
        path = f"/open311/v2/requests/{quote(public_id, safe='')}.{fmt}?{urlencode(params)}"
        document = assert_open311_answer(client.get(path), fmt, root="service_requests", errors=(400, 404))
        if document is not None and fmt == "json":
            assert [row["service_request_id"] for row in document] == [public_id.strip()]

    check()


# ------------------------------------------------------------------------------------------- POST


POST_FIELDS = (
    "api_key",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "attribute[WHEREIST]",
    "attribute[SIZE]",
    "attribute[NOTICED]",
    "description",
    "media_url",
    "email",
    "phone",
    "first_name",
    "last_name",
    "device_id",
    "account_id",
    "jurisdiction_id",
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_FIELDS)
def test_each_form_field_takes_each_tricky_value(world: Any, name: str) -> None:
    """Deterministic: every number trick, calendar end, empty, control and too-long value in each field of
    an otherwise acceptable report, alone."""
    client = Client()
    for value in TRICKY:
        for fmt in ("json", "xml") if FULL else ("json",):
            form = {**_report(world), name: value}
            try:
                _, document, before = _post(client, form, fmt)
                assert_stored_exactly_or_nothing(document, before, form)
            except AssertionError as error:
                raise AssertionError(f"{name}={value[:60]!r} ({fmt}): {error}") from error


@pytest.mark.django_db
def test_a_post_stores_exactly_one_request_or_nothing_with_an_open311_error(world: Any) -> None:
    client = Client()
    accepted: list[str] = []

    @HYPOTHESIS
    @given(drawn=_form(world), fmt=FORMATS)
    def check(drawn: tuple[bool, dict[str, Any]], fmt: str) -> None:
        meant, form = drawn
        _, document, before = _post(client, form, fmt)
        assert document is not None or not meant, f"a report a client means was refused: {form!r}"
        assert_stored_exactly_or_nothing(document, before, form)
        if document is not None:
            accepted.append(str(form["service_code"]))

    check()
    assert accepted, "no generated report was accepted: the strategies only test refusals"
