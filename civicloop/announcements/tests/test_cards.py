import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from civicloop.announcements import cards
from civicloop.announcements.cards import CARD_SIZE, CardContent, card_content, card_jpeg, card_png
from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_area

CONTENT = CardContent(
    language="en",
    city="City of Chicago",
    kind="Program",
    title="Free trees for every block",
    areas="Lower West Side, South Lawndale",
    date="April 1, 2026",
)
# Where the title is drawn: between the kind label and the footer stripes.
TITLE_BOX = (cards.MARGIN, cards.TITLE_TOP, CARD_SIZE - cards.MARGIN, cards.TITLE_BOTTOM)


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png))


def white_pixels(png: bytes, box: tuple[int, int, int, int]) -> int:
    channels = image(png).convert("RGB").crop(box).tobytes()
    return sum(1 for start in range(0, len(channels), 3) if min(channels[start : start + 3]) > 230)


@pytest.fixture
def no_card_cache() -> Iterator[None]:
    cards._encode.cache_clear()
    cards._font.cache_clear()
    yield
    cards._encode.cache_clear()
    cards._font.cache_clear()


def test_the_card_is_a_square_png_instagram_accepts() -> None:
    png = card_png(CONTENT)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    card = image(png)
    card.verify()
    assert (card.format, card.size) == ("PNG", (CARD_SIZE, CARD_SIZE))


def test_instagram_gets_a_baseline_jpeg_of_the_same_card() -> None:
    jpeg = card_jpeg(CONTENT)

    card = image(jpeg)
    assert (card.format, card.size, card.mode) == ("JPEG", (CARD_SIZE, CARD_SIZE), "RGB")
    assert not card.info.get("progressive")
    assert white_pixels(jpeg, TITLE_BOX) > 5_000
    assert white_pixels(card_jpeg(CardContent(**{**CONTENT.__dict__, "title": ""})), TITLE_BOX) == 0


def test_the_title_is_drawn_in_white_on_the_city_blue() -> None:
    untitled = card_png(CardContent(**{**CONTENT.__dict__, "title": ""}))
    titled = card_png(CONTENT)

    assert white_pixels(untitled, TITLE_BOX) == 0
    assert white_pixels(titled, TITLE_BOX) > 5_000
    assert image(titled).convert("RGB").getpixel((CARD_SIZE - 5, CARD_SIZE // 2)) == (0x0B, 0x4F, 0x8A)


def test_a_long_title_stays_inside_its_box() -> None:
    long_title = CardContent(**{**CONTENT.__dict__, "title": "Árboles gratis para cada cuadra " * 12})
    png = card_png(long_title)

    below_title = (0, cards.TITLE_BOTTOM + 5, CARD_SIZE, 828)
    assert white_pixels(png, TITLE_BOX) > white_pixels(card_png(CONTENT), TITLE_BOX)
    assert white_pixels(png, below_title) == 0


def test_the_same_content_gives_the_same_bytes_and_other_content_other_bytes(no_card_cache: None) -> None:
    first = card_png(CONTENT)
    cards._encode.cache_clear()

    assert card_png(CONTENT) == first
    assert card_png(CardContent(**{**CONTENT.__dict__, "date": "April 2, 2026"})) != first
    assert CONTENT.etag("png") != CardContent(**{**CONTENT.__dict__, "areas": "Loop"}).etag("png")
    assert CONTENT.etag("png") != CONTENT.etag("jpeg")


def test_without_the_dejavu_font_the_card_still_shows_its_title(
    no_card_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cards, "FONT_DIR", Path("/nonexistent/fonts"))

    png = card_png(CONTENT)

    assert image(png).size == (CARD_SIZE, CARD_SIZE)
    assert white_pixels(png, TITLE_BOX) > 1_000


def test_the_alt_text_says_what_the_card_shows() -> None:
    assert CONTENT.alt_text == (
        "City of Chicago program: Free trees for every block. Lower West Side, South Lawndale. April 1, 2026."
    )


@pytest.mark.django_db
def test_card_content_names_the_areas_and_the_event_date_in_the_language_asked() -> None:
    pilsen, lawndale = make_area(31, "Lower West Side"), make_area(30, "South Lawndale")
    event = make_announcement(
        title="Tree planting day",
        kind=Kind.EVENT,
        event_in_days=10,
        areas=[pilsen, lawndale],
        spanish=("Día de plantar árboles", "Venga."),
    )

    english, spanish = card_content(event, "en"), card_content(event, "es")

    assert (english.title, english.areas, english.kind) == (
        "Tree planting day",
        "Lower West Side, South Lawndale",
        "Event",
    )
    assert spanish.title == "Día de plantar árboles" and spanish.language == "es"
    assert event.event_starts_at is not None
    assert str(event.event_starts_at.astimezone().year) in english.date


@pytest.mark.django_db
def test_a_citywide_announcement_says_all_of_chicago_and_english_stands_in_for_a_missing_language() -> None:
    citywide = make_announcement(title="Free trees", spanish=None)

    content = card_content(citywide, "es")

    assert (content.language, content.title, content.areas) == ("en", "Free trees", "All of Chicago")


@pytest.mark.django_db
def test_the_card_is_served_as_png_with_a_validator_and_a_cache_lifetime(client):
    announcement = make_announcement(title="Free trees for every block")

    response = client.get(f"/announcements/{announcement.slug}/card.png")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert image(response.content).size == (CARD_SIZE, CARD_SIZE)
    assert response["Cache-Control"] == "public, max-age=3600"
    again = client.get(f"/announcements/{announcement.slug}/card.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


@pytest.mark.django_db
def test_the_card_is_served_as_jpeg_for_instagram(client):
    announcement = make_announcement(title="Free trees for every block")

    png = client.get(f"/announcements/{announcement.slug}/card.png")
    jpeg = client.get(f"/announcements/{announcement.slug}/card.jpg")

    assert jpeg.status_code == 200 and jpeg["Content-Type"] == "image/jpeg"
    assert image(jpeg.content).format == "JPEG"
    assert jpeg["ETag"] != png["ETag"]
    # A PNG's validator does not make the JPEG look unchanged.
    assert (
        client.get(f"/announcements/{announcement.slug}/card.jpg", HTTP_IF_NONE_MATCH=png["ETag"]).status_code
        == 200
    )


@pytest.mark.django_db
def test_the_spanish_card_is_another_image(client):
    announcement = make_announcement(title="Free trees", spanish=("Árboles gratis", "Venga."))

    english = client.get(f"/announcements/{announcement.slug}/card.png")
    spanish = client.get(f"/announcements/{announcement.slug}/card.png?lang=es")
    unknown = client.get(f"/announcements/{announcement.slug}/card.png?lang=xx")

    assert spanish.status_code == 200 and spanish.content != english.content
    assert unknown.content == english.content


@pytest.mark.django_db
def test_a_draft_has_no_public_card(client):
    draft = make_announcement(title="Not yet", publish=False)

    assert client.get(f"/announcements/{draft.slug}/card.png").status_code == 404
