from unittest import mock

import pytest
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch("civicloop.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503


@pytest.mark.django_db
def test_readyz_answers_200_with_the_queue_it_sees(client):
    from civicloop.opendata.tasks import refresh_all_datasets

    refresh_all_datasets.enqueue()
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "tasks": "ok"}
    assert body["tasks"]["backend"] == "database" and body["tasks"]["ready"] == 1
    assert body["tasks"]["oldest_ready_seconds"] >= 0
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_answers_503_naming_a_cache_it_cannot_reach(client, settings):
    # A real Redis client against a port nothing listens on: the connection is refused.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unavailable", "tasks": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_does_not(client):
    with mock.patch("civicloop.core.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert "down" not in response.content.decode()


# Uptime monitors and load balancers ask with HEAD: every page one may GET answers it (RFC 9110), bodiless.
READ_ONLY_PAGES = [
    "/",
    "/announcements/",
    "/feeds/announcements.atom",
    "/events.ics",
    "/requests/",
    "/requests/new/",
    "/ideas/",
    "/data.json",
    "/insights/",
    "/areas/",
    "/healthz",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", READ_ONLY_PAGES)
def test_a_page_one_may_get_answers_head_the_same_without_a_body(client, path):
    got = client.get(path)
    asked = client.head(path)

    assert got.status_code == 200
    assert asked.status_code == got.status_code
    assert asked.content == b""
    assert asked["Content-Type"] == got["Content-Type"]
