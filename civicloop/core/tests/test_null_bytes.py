"""core.null_bytes: a NUL character anywhere a view would read it is a 400, before the database: path, query
string, urlencoded and multipart forms, in the dialect of the interface asked (Open311, the JSON API)."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db import transaction

from civicloop.core.tests import image_samples as samples
from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import api_client_issue, services_load
from civicloop.topics.services import topics_ensure


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/announcements/?q=a%00b", None),
        ("get", "/requests/26-0000%0001/", None),
        ("post", "/subscribe/", {"email": "a\x00@example.org"}),
    ],
    ids=["query", "path", "form"],
)
def test_a_nul_character_is_refused_before_any_view(client, method, path, data):
    if data:  # as a browser posts a form without a file
        response = client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = getattr(client, method)(path)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_open311_refuses_it_in_its_own_error_format(client):
    response = client.get("/open311/v2/requests.json", {"service_code": "POT\x00"})

    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


@pytest.mark.django_db
def test_a_request_without_one_goes_through(client):
    assert client.get("/announcements/?q=ab").status_code == 200


@pytest.mark.django_db
def test_the_json_api_refuses_it_in_its_own_error_format(client):
    response = client.get("/api/v1/announcements", {"q": "a\x00b"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "NUL" in response.json()["detail"]


# ------------------------------------------------------------------------------------------ multipart
# Forms with a file are multipart: their text fields are checked as an urlencoded form's are, the file's
# contents are not (a photo holds NUL bytes), and the body is parsed once, by Django's upload handlers.

POTHOLE = "Pothole in Street Complaint"
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}
RECEIVED: list[int] = []  # bytes each upload handler run was given, in order


class CountingUploadHandler(MemoryFileUploadHandler):
    """Django's in-memory handler, counting what it is given: a file parsed twice would count twice."""

    def new_file(self, *args, **kwargs):
        RECEIVED.append(0)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        RECEIVED[-1] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture(scope="module")
def _catalogue(django_db_setup, django_db_blocker):
    """Chicago's services and areas, loaded once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        topics_ensure()
        community_areas_load()
        services_load()
        yield {service.name: service for service in Service.objects.all()}
        transaction.set_rollback(True)
    community_area_index_clear()


@pytest.fixture
def services(_catalogue, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.CountingUploadHandler"]
    RECEIVED.clear()
    cache.clear()  # the 311 form's rate limit lives in the cache
    community_area_index_clear()
    yield _catalogue
    cache.clear()
    community_area_index_clear()


def _photo() -> SimpleUploadedFile:
    data = samples.plain("JPEG")
    assert b"\x00" in data  # a real photo holds NUL bytes: its contents are not text
    return SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")


def _files_under(root) -> list[Path]:
    root = Path(root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("description", "Deep\x00hole"),
        ("attr_WHEREIST", "TRAFFIC\x00"),
        ("email", "\x00resident@example.org"),
        ("comment\x00", "x"),  # a field's name is text too
    ],
    ids=["description", "attribute", "email", "field-name"],
)
@pytest.mark.parametrize("size", ["small", "large"])
def test_a_nul_in_a_multipart_text_field_of_the_311_form_is_refused_and_nothing_is_stored(
    client, services, settings, name, value, size
):
    if size == "large":  # over the in-memory limit: parsed by Django's upload handlers, streamed
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    photo = _photo()
    form = {"attr_WHEREIST": "TRAFFIC", **PILSEN, "description": "Deep hole", "photo": photo, name: value}

    response = client.post(f"/requests/new/{services[POTHOLE].code}/", form)  # multipart, as browsers send

    assert response.status_code == 400, response.content[:300]
    assert "NUL" in response.content.decode()
    assert ServiceRequest.objects.count() == 0
    assert _files_under(settings.MEDIA_ROOT) == []
    assert [photo.size] == RECEIVED, "the photo was not parsed exactly once"


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_multipart_form_without_one_goes_through_with_its_photo_parsed_once(
    client, services, settings, size
):
    if size == "large":
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    photo = _photo()
    form = {"attr_WHEREIST": "TRAFFIC", **PILSEN, "description": "Deep hole", "photo": photo}

    response = client.post(f"/requests/new/{services[POTHOLE].code}/", form)

    assert response.status_code == 302, response.content[:300]
    assert ServiceRequest.objects.get().photo
    assert [photo.size] == RECEIVED


@pytest.mark.parametrize("size", ["small", "large"])
def test_open311_refuses_a_nul_in_a_multipart_field_in_its_error_format(client, services, settings, size):
    if size == "large":  # CSRF-exempt and large: left by the middleware, checked by Open311's POST itself
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    form = {
        "api_key": api_client_issue(name="Fix-it app")[1],
        "service_code": services[POTHOLE].code,
        "lat": PILSEN["latitude"],
        "long": PILSEN["longitude"],
        "attribute[WHEREIST]": "TRAFFIC",
        "description": "Deep\x00hole",
        "media": _photo(),
    }

    response = client.post("/open311/v2/requests.json", form)

    assert response.status_code == 400, response.content[:300]
    assert response.json() == [{"code": 400, "description": response.json()[0]["description"]}]
    assert "NUL" in response.json()[0]["description"]
    assert ServiceRequest.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["small", "large"])
def test_a_view_that_reads_the_raw_body_still_can(client, settings, size):
    """CKAN's action API reads request.body (CSRF-exempt): a small multipart body stays readable after the
    check; a large one is not parsed here, so the view answers as Django lets it (too big: a 400)."""
    if size == "large":
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    form = {"limit": "1", "file": SimpleUploadedFile("a.bin", b"\x00" * 5_000)}

    response = client.post("/api/3/action/package_list", form)

    assert response.status_code in (200, 400), response.content[:300]
    if size == "small":
        assert response.status_code == 200 and response.json()["success"] is True
