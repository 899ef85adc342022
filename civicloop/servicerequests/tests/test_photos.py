"""Residents' photos through the real web form: published without GPS, sized, and refused safely (issue 23)."""

import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.core.tests import image_samples as samples
from civicloop.places.selectors import community_area_index_clear
from civicloop.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.django_db
WEB_URLS = pytest.mark.urls("civicloop.servicerequests.tests.web_urls")
POTHOLE = "Pothole in Street Complaint"
PILSEN = {"latitude": "41.8575", "longitude": "-87.6563"}


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the POST rate limit lives in the cache
    community_area_index_clear()
    yield
    cache.clear()
    community_area_index_clear()


def _post_with_photo(client, catalogue, data: bytes, *, name="photo.jpg", content_type="image/jpeg"):  # type: ignore[no-untyped-def]
    photo = SimpleUploadedFile(name, data, content_type=content_type)
    form = {"attr_WHEREIST": "TRAFFIC", **PILSEN, "description": "Deep hole", "photo": photo}
    return client.post(f"/requests/new/{catalogue[POTHOLE].code}/", form)  # multipart, as a browser sends


def _stored(path: str, settings) -> bytes:  # type: ignore[no-untyped-def]
    return (Path(settings.MEDIA_ROOT) / path).read_bytes()


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# Published without where it was taken


@WEB_URLS
def test_a_phone_photo_is_published_upright_without_its_gps_position(client, catalogue, settings):
    upload = samples.phone_jpeg(size=(400, 300), orientation=6)
    assert "gps" in samples.metadata_left(upload)  # given: the phone wrote where it was

    response = _post_with_photo(client, catalogue, upload)

    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    published = _stored(request.photo.name, settings)
    assert samples.metadata_left(published) == {}
    assert Image.open(io.BytesIO(published)).size == (300, 400)  # turned as the phone showed it
    assert (request.photo_width, request.photo_height) == (300, 400)
    thumbnail = _stored(request.photo_thumbnail.name, settings)
    assert samples.metadata_left(thumbnail) == {}
    assert Image.open(io.BytesIO(thumbnail)).format == "JPEG"
    page = client.get(response["Location"]).content.decode()
    assert f'<img src="{request.photo.url}" width="300" height="400"' in page


@WEB_URLS
@pytest.mark.parametrize(("sample", "content_type", "extension"), [
    (samples.png_with_text, "image/png", "png"),
    (samples.webp_with_metadata, "image/webp", "webp"),
])  # fmt: skip
def test_png_and_webp_photos_keep_their_format_and_lose_their_metadata(
    client, catalogue, settings, sample, content_type, extension
):
    response = _post_with_photo(
        client, catalogue, sample(), name=f"photo.{extension}", content_type=content_type
    )

    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert request.photo.name.endswith(f"-photo.{extension}")
    assert samples.metadata_left(_stored(request.photo.name, settings)) == {}
    assert request.photo_thumbnail.name.endswith(f"-photo-thumbnail.{extension}")
    assert samples.metadata_left(_stored(request.photo_thumbnail.name, settings)) == {}


@WEB_URLS
def test_an_animated_photo_keeps_its_first_frame_only(client, catalogue, settings):
    response = _post_with_photo(
        client, catalogue, samples.animated("WEBP"), name="photo.webp", content_type="image/webp"
    )

    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    image = Image.open(io.BytesIO(_stored(request.photo.name, settings)))
    assert getattr(image, "n_frames", 1) == 1
    red = image.convert("RGB").getpixel((30, 20))
    assert isinstance(red, tuple) and red[0] > 150 > red[2]


# Sized for the page and for lists


@WEB_URLS
def test_a_large_photo_is_stored_for_display_and_as_a_thumbnail_shown_in_the_list(
    client, catalogue, settings
):
    response = _post_with_photo(client, catalogue, samples.plain("JPEG", size=(3000, 2000)))

    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert Image.open(io.BytesIO(_stored(request.photo.name, settings))).size == (2048, 1365)
    assert (request.photo_width, request.photo_height) == (2048, 1365)
    assert Image.open(io.BytesIO(_stored(request.photo_thumbnail.name, settings))).size == (320, 213)
    assert (request.photo_thumbnail_width, request.photo_thumbnail_height) == (320, 213)
    listed = client.get("/requests/").content.decode()
    assert f'<img src="{request.photo_thumbnail.url}" width="160" height="106"' in listed
    assert request.photo.url not in listed


def test_the_staff_queue_shows_the_thumbnail_and_the_request_page_the_display_copy(catalogue, settings):
    Client().post(  # filed by a resident through the form
        f"/requests/new/{catalogue[POTHOLE].code}/",
        {
            "attr_WHEREIST": "TRAFFIC",
            **PILSEN,
            "photo": SimpleUploadedFile("p.jpg", samples.plain("JPEG", (3000, 2000)), "image/jpeg"),
        },
    )
    request = ServiceRequest.objects.get()
    staff = staff_user_ensure(
        username="rosa",
        email="rosa@city.example",
        role=Role.ADMIN,
        password="a-long-test-password-1",
        full_name="Rosa Vega",
    )
    client = Client()
    client.force_login(staff)

    queue = client.get("/staff/requests/").content.decode()
    page = client.get(f"/staff/requests/{request.public_id}/").content.decode()

    assert f'<img src="{request.photo_thumbnail.url}" width="160" height="106"' in queue
    assert f'<img src="{request.photo.url}" width="2048" height="1365"' in page


# Refused safely: a message on the photo field, nothing stored


@WEB_URLS
def test_a_photo_over_the_pixel_budget_is_refused_and_nothing_is_stored(client, catalogue, settings):
    upload = samples.huge_png(20_000, 20_000)  # 400 megapixels in a few dozen KB

    response = _post_with_photo(client, catalogue, upload, name="photo.png", content_type="image/png")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["photo"] and "at most 40 megapixels" in errors["photo"][0]
    assert 'id="id_photo_error"' in response.content.decode()
    assert not ServiceRequest.objects.exists()
    assert _files_under(Path(settings.MEDIA_ROOT)) == []


@WEB_URLS
@pytest.mark.parametrize(
    ("data", "name", "content_type", "message"),
    [
        (samples.cut_in_half(samples.noisy_jpeg()), "photo.jpg", "image/jpeg", "could not be read"),
        (
            samples.cut_in_half(samples.plain("PNG", (800, 600))),
            "photo.png",
            "image/png",
            "could not be read",
        ),
        (b"", "photo.jpg", "image/jpeg", "empty"),
        (b"Dear city, the hole is back.\n", "photo.jpg", "image/jpeg", "JPEG, PNG or WebP"),
        (samples.plain("GIF"), "photo.gif", "image/gif", "JPEG, PNG or WebP"),
    ],
    ids=["half-a-jpeg", "half-a-png", "zero-bytes", "text-named-jpg", "gif"],
)
def test_a_broken_or_foreign_photo_is_refused_and_nothing_is_stored(
    client, catalogue, settings, data, name, content_type, message
):
    response = _post_with_photo(client, catalogue, data, name=name, content_type=content_type)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["photo"] and message in errors["photo"][0]
    assert not ServiceRequest.objects.exists()
    assert _files_under(Path(settings.MEDIA_ROOT)) == []


# Photos stored before this fix


@WEB_URLS
def test_clean_photos_re_encodes_photos_stored_before_the_fix(client, catalogue, settings):
    _post_with_photo(client, catalogue, samples.plain("JPEG"))
    _post_with_photo(client, catalogue, samples.plain("JPEG"))
    kept, damaged = ServiceRequest.objects.order_by("pk")
    # Given: rows as the old code left them, the upload stored as sent and no thumbnail.
    for request, data in ((kept, samples.phone_jpeg(size=(400, 300))), (damaged, b"not an image")):
        (Path(settings.MEDIA_ROOT) / request.photo.name).write_bytes(data)
        ServiceRequest.objects.filter(pk=request.pk).update(photo_thumbnail="", photo_width=None)
    old_name = kept.photo.name

    out = io.StringIO()
    call_command("requests", "clean-photos", stdout=out)
    call_command("requests", "clean-photos", stdout=io.StringIO())  # again: nothing left to do

    kept.refresh_from_db()
    damaged.refresh_from_db()
    assert "Re-encoded 1 photo(s)" in out.getvalue() and "took down 1" in out.getvalue()
    assert samples.metadata_left(_stored(kept.photo.name, settings)) == {}
    assert kept.photo_thumbnail and kept.photo_width == 400 and kept.photo.name != old_name
    assert not (Path(settings.MEDIA_ROOT) / old_name).exists()
    assert not damaged.photo and not damaged.photo_thumbnail
