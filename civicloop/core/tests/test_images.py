"""image_sanitise: only pixels leave it (no GPS), bombs are refused on their header, broken files fail safe."""

import io
import warnings

import pytest
from PIL import Image, ImageFile

from civicloop.core.images import (
    DISPLAY_LONG_SIDE,
    IMAGE_BYTES_MAX,
    IMAGE_PIXELS_MAX,
    THUMBNAIL_LONG_SIDE,
    ImageRejected,
    image_sanitise,
)
from civicloop.core.tests import image_samples as samples


def _opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _rejection(data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        image_sanitise(io.BytesIO(data))
    return caught.value


# Metadata


@pytest.mark.parametrize(
    ("sample", "image_format", "extension"),
    [
        (samples.phone_jpeg, "JPEG", "jpg"),
        (samples.png_with_text, "PNG", "png"),
        (samples.webp_with_metadata, "WEBP", "webp"),
    ],
)
def test_both_copies_keep_the_format_and_nothing_but_the_pixels(sample, image_format, extension):
    upload = sample()
    assert "gps" in samples.metadata_left(upload)  # given: the phone wrote where it was

    clean = image_sanitise(io.BytesIO(upload))

    assert clean.extension == extension
    for copy in (clean.display, clean.thumbnail):
        data = copy.read()
        assert _opened(data).format == image_format
        assert samples.metadata_left(data) == {}


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    # Orientation 6: the camera was turned; the picture is shown turned 90° clockwise.
    upload = samples.phone_jpeg(size=(400, 300), orientation=6)

    clean = image_sanitise(io.BytesIO(upload))

    image = _opened(clean.display.read()).convert("RGB")
    assert clean.display_size == image.size == (300, 400)
    top, bottom = image.getpixel((150, 20)), image.getpixel((150, 380))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2]  # the left half (red) is now on top
    assert bottom[2] > 150 > bottom[0]


def test_transparency_is_kept_in_a_png():
    clean = image_sanitise(io.BytesIO(samples.png_with_text()))

    image = _opened(clean.display.read())
    assert image.mode == "RGBA" and image.getpixel((0, 0)) == (0, 0, 0, 0)


# Sizes


def test_a_large_photo_is_shrunk_for_display_and_for_lists():
    clean = image_sanitise(io.BytesIO(samples.plain("JPEG", size=(3000, 2000))))

    assert clean.display_size == (DISPLAY_LONG_SIDE, 1365)
    assert clean.thumbnail_size == (THUMBNAIL_LONG_SIDE, 213)
    assert _opened(clean.display.read()).size == clean.display_size
    assert _opened(clean.thumbnail.read()).size == clean.thumbnail_size


def test_a_small_photo_is_never_enlarged():
    clean = image_sanitise(io.BytesIO(samples.plain("PNG", size=(200, 100))))

    assert clean.display_size == (200, 100) and clean.thumbnail_size == (200, 100)


@pytest.mark.parametrize(("image_format", "expected"), [("WEBP", "WEBP"), ("PNG", "PNG"), ("MPO", "JPEG")])
def test_of_an_animation_or_a_multi_picture_jpeg_only_the_first_frame_is_kept(image_format, expected):
    clean = image_sanitise(io.BytesIO(samples.animated(image_format)))

    image = _opened(clean.display.read())
    assert image.format == expected and getattr(image, "n_frames", 1) == 1
    red = image.convert("RGB").getpixel((30, 20))
    assert isinstance(red, tuple) and red[0] > 150 > red[2]


# Pixel budget and bombs


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("warnings_are_errors", [False, True])
@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # 400 MP: beyond twice the budget, Pillow's guard refuses it at open
        (7_000, 7_000),  # 49 MP: over the budget, where Pillow only warns
        (40_001, 1_000),  # a long strip just over 40 MP
    ],
)
def test_an_image_over_the_pixel_budget_is_refused_from_its_header_without_decoding(
    monkeypatch, width, height, warnings_are_errors
):
    upload = samples.huge_png(width, height)
    assert len(upload) < 400 * 1024  # a small file: the danger is in the pixels

    def no_decoding(self):  # type: ignore[no-untyped-def]
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    if warnings_are_errors:  # as under python -W error: Pillow's warning is then an exception
        warnings.simplefilter("error", Image.DecompressionBombWarning)

    error = _rejection(upload)

    assert error.code == "too_many_pixels"
    assert "at most 40 megapixels" in error.message


def test_pillows_guard_is_set_to_the_same_budget():
    image_sanitise(io.BytesIO(samples.plain("PNG")))

    assert Image.MAX_IMAGE_PIXELS == IMAGE_PIXELS_MAX


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_budget_can_be_set_lower(settings):
    settings.IMAGE_PIXELS_MAX = 1_000_000

    error = _rejection(samples.plain("PNG", size=(1_001, 1_000)))

    assert error.code == "too_many_pixels" and "at most 1 megapixels" in error.message
    assert image_sanitise(io.BytesIO(samples.plain("PNG", size=(1_000, 1_000))))


# Broken and foreign files


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_image"),
        (b"Just a note, not a photo.\n", "not_image"),
        (b"%PDF-1.7\n" + b"x" * 64, "not_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_image"),  # a PNG signature and nothing after
        (samples.plain("GIF"), "not_image"),
        (samples.plain("BMP"), "not_image"),
        (samples.cut_in_half(samples.noisy_jpeg()), "unreadable"),
        (samples.cut_in_half(samples.plain("PNG", size=(800, 600))), "unreadable"),
        (samples.noisy_jpeg()[:200], "not_image"),  # cut before its size: nothing to tell it from junk
    ],
    ids=["empty", "text", "pdf", "png-signature-only", "gif", "bmp", "half-jpeg", "half-png", "jpeg-header"],
)
def test_a_broken_or_foreign_file_is_refused(data, code):
    assert _rejection(data).code == code


def test_a_file_over_5_mb_is_refused_before_it_is_read():
    error = _rejection(b"\xff\xd8\xff" + b"\x00" * IMAGE_BYTES_MAX)

    assert error.code == "too_big" and "at most 5 MB" in error.message
