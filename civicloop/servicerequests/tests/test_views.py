"""The resident 311 pages: find a service, file a request (every datatype and every error), track, browse."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from civicloop.core.tests import image_samples as samples
from civicloop.places.models import CommunityArea
from civicloop.places.selectors import community_area_index_clear
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest
from civicloop.servicerequests.services import (
    RequestInput,
    service_request_create,
    service_request_status_change,
    services_load,
)
from civicloop.servicerequests.views import REQUEST_POST_LIMIT
from civicloop.servicerequests.web_selectors import contacts_mask
from civicloop.topics.services import topics_ensure

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicloop.servicerequests.tests.web_urls")]
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the POST rate limit lives in the cache
    community_area_index_clear()
    yield
    cache.clear()
    community_area_index_clear()


@pytest.fixture
def catalogue():  # type: ignore[no-untyped-def]
    topics_ensure()
    community_areas_load()
    services_load()
    return {service.name: service for service in Service.objects.all()}


def _url(catalogue, name: str) -> str:  # type: ignore[no-untyped-def]
    return f"/requests/new/{catalogue[name].code}/"


def _pothole_post(**overrides):  # type: ignore[no-untyped-def]
    data = {"attr_WHEREIST": "TRAFFIC", **PILSEN, "description": "Deep hole"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _errors(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return match.group(0) if match else ""


# Finding a service


def test_search_finds_a_service_by_its_english_name(client, catalogue):
    response = client.get("/requests/new/", {"q": "pothole"})

    html = response.content.decode()
    assert response.status_code == 200
    assert _url(catalogue, "Pothole in Street Complaint") in html
    assert _url(catalogue, "Graffiti Removal Request") not in html


def test_search_finds_a_service_by_its_spanish_words(client, catalogue):
    response = client.get("/requests/new/", {"q": "Bache"})

    html = response.content.decode()
    assert _url(catalogue, "Pothole in Street Complaint") in html
    assert _url(catalogue, "Tree Trim Request") not in html


def test_search_matches_every_word_and_says_so_when_nothing_matches(client, catalogue):
    assert (
        _url(catalogue, "Rodent Baiting/Rat Complaint")
        in client.get("/requests/new/?q=rata+roedor").content.decode()
    )
    response = client.get("/requests/new/", {"q": "zzqx"})
    assert "No service matches" in response.content.decode()
    assert "/requests/new/" + catalogue["Pothole in Street Complaint"].code not in response.content.decode()


def test_without_a_query_the_common_requests_come_first_then_every_service(client, catalogue):
    html = client.get("/requests/new/").content.decode()

    common, everything = html.split("All services by department")
    service_link = re.compile(r'href="/requests/new/[^"/]+/"')  # not the menu's /requests/new/
    assert len(service_link.findall(common)) == 10
    assert len(service_link.findall(everything)) == 191
    assert html.count("<h1") == 1


def test_a_spanish_page_names_services_in_spanish(client, catalogue):
    client.cookies["django_language"] = "es"
    html = client.get("/requests/new/", {"q": "bache"}).content.decode()
    assert "Bache en la calle" in html


# The form


def test_the_form_renders_every_datatype_with_a_label(client, catalogue):
    pothole = client.get(_url(catalogue, "Pothole in Street Complaint")).content.decode()
    assert 'type="radio" name="attr_WHEREIST"' in pothole
    assert re.search(r'type="number" name="attr_SIZE"', pothole)
    assert 'type="datetime-local" name="attr_NOTICED"' in pothole
    assert "Where is the pothole?" in pothole
    rats = client.get(_url(catalogue, "Rodent Baiting/Rat Complaint")).content.decode()
    assert 'type="checkbox" name="attr_SEEN"' in rats
    water = client.get(_url(catalogue, "Water On Street Complaint")).content.decode()
    assert re.search(r'<textarea name="attr_DETAILS"[^>]*maxlength="4000"', water)
    vehicle = client.get(_url(catalogue, "Abandoned Vehicle Complaint")).content.decode()
    assert re.search(r'type="text" name="attr_MAKE"[^>]*maxlength="200"', vehicle)
    for html in (pothole, rats, water, vehicle):
        assert 'type="file" name="photo"' in html and 'name="address"' in html
        assert 'name="latitude"' in html and 'name="longitude"' in html and 'name="description"' in html


def test_the_form_asks_in_spanish_on_a_spanish_page(client, catalogue):
    client.cookies["django_language"] = "es"
    html = client.get(_url(catalogue, "Pothole in Street Complaint")).content.decode()
    assert "¿Dónde está el bache?" in html and "En un carril de bicicletas" in html


def test_an_unknown_service_is_404(client, catalogue):
    assert client.get("/requests/new/NOPE/").status_code == 404


def test_a_valid_request_is_filed_and_the_resident_sent_to_its_page(client, catalogue):
    response = client.post(
        _url(catalogue, "Pothole in Street Complaint"),
        _pothole_post(attr_SIZE="12.5", attr_NOTICED="2026-05-01T14:30", email="Ana@Example.org"),
    )

    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.public_id}/"
    assert request.channel == "web" and request.language == "en"
    assert request.attribute_values["WHEREIST"] == "TRAFFIC" and request.attribute_values["SIZE"] == 12.5
    assert request.attribute_values["NOTICED"].startswith("2026-05-01T14:30")
    assert request.community_area is not None and request.email == "ana@example.org"


def test_a_request_by_address_with_several_values_in_spanish(client, catalogue):
    client.cookies["django_language"] = "es"
    response = client.post(
        _url(catalogue, "Rodent Baiting/Rat Complaint"),
        {"attr_SEEN": ["ALLEY", "YARD"], "address": "1800 S Blue Island Ave", "phone": "(312) 555-0123"},
    )

    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert request.attribute_values["SEEN"] == ["ALLEY", "YARD"] and request.language == "es"
    assert request.address == "1800 S Blue Island Ave" and request.phone == "+13125550123"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"latitude": None, "longitude": None}, "address", "Give a street address"),
        ({"longitude": None}, "longitude", "both the latitude and the longitude"),
        ({"latitude": "41.85", "longitude": "-87.90"}, "latitude", "outside the City"),
        ({"latitude": "north"}, "latitude", "decimal degrees"),
        ({"attr_WHEREIST": None}, "attr_WHEREIST_0", "Answer this question"),
        ({"attr_WHEREIST": "MOON"}, "attr_WHEREIST_0", "Choose from the list"),
        ({"attr_SIZE": "big"}, "attr_SIZE", "Enter a number"),
        ({"attr_NOTICED": "yesterday"}, "attr_NOTICED", "Enter a date and time"),
        ({"description": "x" * 4001}, "description", "at most 4000"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"phone": "12"}, "phone", "phone"),
    ],
)
def test_each_invalid_request_shows_an_error_and_stores_nothing(client, catalogue, overrides, field, message):
    response = client.post(_url(catalogue, "Pothole in Street Complaint"), _pothole_post(**overrides))

    summary = _errors(response)
    assert response.status_code == 200
    assert f'href="#id_{field}"' in summary and message in summary
    assert "error-message" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_location_outside_the_city_is_refused_in_the_residents_language(client, catalogue):
    client.cookies["django_language"] = "es"

    response = client.post(
        _url(catalogue, "Pothole in Street Complaint"), _pothole_post(latitude="41.85", longitude="-87.90")
    )

    assert "fuera de la Ciudad de Chicago" in _errors(response)
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", b"%PDF-1.7\n" + b"x" * 64, "application/pdf"),
        ("notes.png", b"just some text, renamed", "image/png"),
        ("pdf-as.png", b"%PDF-1.7\n" + b"x" * 64, "image/png"),
        ("png-as.gif", PNG, "image/gif"),
        ("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png"),
    ],
)
def test_a_photo_that_is_not_a_small_image_is_refused(client, catalogue, name, content, content_type):
    photo = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post(
        _url(catalogue, "Pothole in Street Complaint"), {**_pothole_post(), "photo": photo}
    )

    summary = _errors(response)
    assert 'href="#id_photo"' in summary
    assert ("at most 5 MB" if name == "big.png" else "JPEG, PNG or WebP") in summary
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_an_image_photo_is_stored_under_a_safe_name(
    client, catalogue, settings, image_format, content_type, extension
):
    photo = SimpleUploadedFile("../../My Photo.exe", samples.plain(image_format), content_type=content_type)
    response = client.post(
        _url(catalogue, "Pothole in Street Complaint"), {**_pothole_post(), "photo": photo}
    )

    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert request.photo.name.startswith("requests/") and request.photo.name.endswith(f"-photo.{extension}")
    assert Image.open(settings.MEDIA_ROOT / request.photo.name).format == image_format  # a re-encoded copy
    assert request.photo.url in client.get(response["Location"]).content.decode()


def test_posting_needs_a_csrf_token(catalogue):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_url(catalogue, "Pothole in Street Complaint"), _pothole_post())

    assert response.status_code == 403
    assert not ServiceRequest.objects.exists()


def test_too_many_posts_from_one_client_are_refused(client, catalogue):
    url = _url(catalogue, "Pothole in Street Complaint")
    for _ in range(REQUEST_POST_LIMIT):
        assert client.post(url, _pothole_post()).status_code == 302

    response = client.post(url, _pothole_post())

    assert response.status_code == 429 and "Too many requests" in _errors(response)
    assert ServiceRequest.objects.count() == REQUEST_POST_LIMIT
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, _pothole_post()).status_code == 302


# Tracking


def _filed(catalogue, name="Pothole in Street Complaint", **values):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {**PILSEN}
    if name == "Pothole in Street Complaint":
        data["attributes"] = {"WHEREIST": ["TRAFFIC"]}
    data.update(values)
    return service_request_create(data=RequestInput(service_code=catalogue[name].code, **data))


def test_the_tracking_page_shows_the_timeline_and_hides_contact_details(client, catalogue):
    request = _filed(
        catalogue,
        description="Call me at (312) 555-0199 or write to neighbor@example.com. Hole near 1800 S.",
        email="private.person@example.org",
        phone="312-555-0123",
        first_name="Rosa",
        last_name="Quintana",
    )
    service_request_status_change(request=request, detailed_status="in_progress", note="Crew sent")

    response = client.get(f"/requests/{request.public_id}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Pothole in Street Complaint" in html and "Lower West Side" in html
    assert "Submitted" in html and "In progress" in html and "Crew sent" in html
    assert "Request opened" in html
    assert "[email removed]" in html and "[phone removed]" in html and "Hole near 1800 S." in html
    for secret in (
        "555-0199",
        "neighbor@example.com",
        "private.person",
        "5550123",
        "555-0123",
        "Rosa",
        "Quintana",
    ):
        assert secret not in html
    assert html.count("<h1") == 1


def test_an_unknown_request_is_404(client, catalogue):
    assert client.get("/requests/26-99999999/").status_code == 404


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail a.b+c@mail.example.org now", "mail [email removed] now"),
        ("call +1 312 555 0123!", "call [phone removed]!"),
        ("call (312) 555-0123.", "call [phone removed]."),
        ("text 3125550123", "text [phone removed]"),
        ("2 potholes, 14 inches, at 1800 S Blue Island", "2 potholes, 14 inches, at 1800 S Blue Island"),
    ],
)
def test_contacts_mask(text, masked):
    assert contacts_mask(text) == masked


# Browsing


def test_the_list_filters_by_service_status_and_area(client, catalogue):
    pothole = _filed(catalogue)
    graffiti = _filed(catalogue, "Graffiti Removal Request", attributes={"SURFACE": ["BRICK"]})
    service_request_status_change(request=graffiti, detailed_status="completed")
    loop = CommunityArea.objects.get(slug="loop")
    ServiceRequest.objects.filter(pk=graffiti.pk).update(community_area=loop)

    def ids(**params: str) -> set[str]:
        html = client.get("/requests/", params).content.decode()
        return set(re.findall(r'href="/requests/(\d\d-\d{8})/"', html))

    assert ids() == {pothole.public_id, graffiti.public_id}
    assert ids(service=catalogue["Pothole in Street Complaint"].code) == {pothole.public_id}
    assert ids(status="closed") == {graffiti.public_id}
    assert ids(status="open") == {pothole.public_id}
    assert ids(area="loop") == {graffiti.public_id}
    assert ids(area="lower-west-side", status="open") == {pothole.public_id}
    for unknown in ({"service": "NOPE"}, {"status": "lost"}, {"area": "atlantis"}, {"page": "x"}):
        response = client.get("/requests/", unknown)
        assert response.status_code == 200
    assert ids(service="NOPE") == ids(status="lost") == ids(area="atlantis") == set()


def test_the_list_is_paginated_by_twenty_newest_first(client, catalogue):
    first = _filed(catalogue)
    for _ in range(20):
        _filed(catalogue)
    ServiceRequest.objects.filter(pk=first.pk).update(requested_at=timezone.now() - timedelta(days=1))

    page_one = client.get("/requests/").content.decode()
    page_two = client.get("/requests/", {"page": "2", "status": "open"}).content.decode()

    assert page_one.count('class="card"') == 20 and first.public_id not in page_one
    assert page_two.count('class="card"') == 1 and first.public_id in page_two
    assert "Page 2 of 2" in page_two and "status=open&amp;page=1" in page_two


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_requests(
    client, catalogue, django_assert_max_num_queries
):
    for _ in range(3):
        _filed(catalogue)
    with django_assert_max_num_queries(5) as few:
        client.get("/requests/")
    for _ in range(27):
        _filed(catalogue)
    with django_assert_max_num_queries(5) as many:
        assert client.get("/requests/").content.decode().count('class="card"') == 20
    assert len(few.captured_queries) == len(many.captured_queries)
