"""Open311 lists come from the cache only while nothing they show has changed."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from civicloop.servicerequests import open311_cache
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.open311 import request_filters
from civicloop.servicerequests.services import (
    RequestInput,
    requests_version_bump,
    service_request_create,
    service_request_status_change,
    service_requests_close,
    services_load,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicloop.servicerequests.tests.open311_test_urls")]

POTHOLE = "Pothole in Street Complaint"
LIST = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def _empty_cache():
    caches[open311_cache.CACHE_ALIAS].clear()


def file(catalogue, *, days_ago=0, description="Deep hole"):
    data = RequestInput(
        service_code=catalogue[POTHOLE].code,
        latitude="41.8575",
        longitude="-87.6563",
        attributes={"WHEREIST": ["TRAFFIC"]},
        description=description,
    )
    return service_request_create(data=data, now=timezone.now() - timedelta(days=days_ago))


def listed(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def by_id(rows):
    return {row["service_request_id"]: row for row in rows}


def test_a_repeat_is_served_from_the_cache_with_one_query(client, catalogue):
    file(catalogue)
    first, fresh_queries = listed(client)
    again, cached_queries = listed(client)
    assert again == first
    assert (fresh_queries, cached_queries) == (2, 1)  # the version (+ the rows when fresh)


def test_a_new_request_shows_at_once(client, catalogue):
    file(catalogue)
    listed(client)
    newer = file(catalogue)
    rows, _ = listed(client)
    assert newer.public_id in by_id(rows)


def test_a_status_change_shows_at_once(client, catalogue):
    request = file(catalogue)
    listed(client)
    service_request_status_change(
        request=request, detailed_status=ServiceRequest.Detailed.COMPLETED, note="Filled"
    )
    rows, _ = listed(client)
    assert by_id(rows)[request.public_id]["status"] == "closed"
    assert by_id(rows)[request.public_id]["status_notes"] == "Filled"


def test_a_bulk_close_shows_at_once(client, catalogue):
    requests = [file(catalogue), file(catalogue)]
    listed(client, status="open")
    service_requests_close(request_ids=[request.pk for request in requests], note="Done")
    rows, _ = listed(client, status="open")
    assert rows == []


def test_a_renamed_service_shows_at_once(client, catalogue):
    request = file(catalogue)
    Service.objects.filter(pk=catalogue[POTHOLE].pk).update(name="Old name")
    requests_version_bump()
    assert by_id(listed(client)[0])[request.public_id]["service_name"] == "Old name"
    services_load()  # a catalogue refresh brings the real name back
    rows, _ = listed(client)
    assert by_id(rows)[request.public_id]["service_name"] == POTHOLE


def test_each_question_and_format_has_its_own_answer(client, catalogue):
    file(catalogue)
    listed(client)
    assert listed(client, page_size="1")[1] == 2
    assert client.get("/open311/v2/requests.xml").content.startswith(b"<?xml")


def test_each_language_has_its_own_answer(client, catalogue):
    request = file(catalogue, description="Call me at 312-555-0123")
    english = by_id(client.get(LIST).json())[request.public_id]["description"]
    spanish = by_id(client.get(LIST, HTTP_ACCEPT_LANGUAGE="es").json())[request.public_id]["description"]
    assert "312-555-0123" not in english + spanish
    assert english != spanish


def test_a_page_is_recomputed_once_its_oldest_request_leaves_the_moving_window(catalogue):
    old = file(catalogue, days_ago=89)
    now = timezone.now()
    with translation.override("en"):
        first = open311_cache.request_list_response(request_filters(QueryDict(""), now=now), "json")
        assert old.public_id.encode() in first.content
        later = request_filters(QueryDict(""), now=now + timedelta(days=2))
        with CaptureQueriesContext(connection) as queries:
            second = open311_cache.request_list_response(later, "json")
    assert old.public_id.encode() not in second.content
    assert len(queries) == 2  # not served from the cache


def test_a_given_window_is_served_from_the_cache_later_too(catalogue):
    file(catalogue, days_ago=10)
    params = QueryDict(f"start_date={(timezone.now() - timedelta(days=30)).date().isoformat()}")
    with translation.override("en"):
        first = open311_cache.request_list_response(request_filters(params), "json")
        with CaptureQueriesContext(connection) as queries:
            second = open311_cache.request_list_response(request_filters(params), "json")
    assert second.content == first.content
    assert len(queries) == 1
