"""Residents' images made safe to publish: size-checked before decoding, re-encoded from pixels alone.

Every image upload goes through image_sanitise. A phone photo carries where it was taken (EXIF
GPS), the device, the time and more; the copies made here keep nothing but the pixels, turned
upright first. An image is refused on its header's size before a pixel is decoded, so a
"decompression bomb" (a small file that unpacks to billions of pixels) costs the server nothing.
"""

import contextlib
import io
from dataclasses import dataclass
from typing import IO, cast

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from civicloop.core.errors import DomainError

IMAGE_BYTES_MAX = 5 * 1024 * 1024
# Default pixel budget; settings.IMAGE_PIXELS_MAX overrides it. 40 MP is more than a phone's usual photo.
IMAGE_PIXELS_MAX = 40_000_000
DISPLAY_LONG_SIDE = 2048  # the copy shown on a request's page
THUMBNAIL_LONG_SIDE = 320  # the copy shown in lists
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# Pillow format -> (file name extension, content type). Only these decoders (and MPO, a JPEG with more
# pictures) ever see an upload.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# No exif, icc_profile, xmp, comment or pnginfo argument: the encoders then write none.
SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": JPEG_QUALITY, "optimize": True, "progressive": True},
    "PNG": {},
    "WEBP": {"quality": WEBP_QUALITY},
}


class ImageRejected(DomainError):
    """An upload the city will not publish; `code`: too_big, too_many_pixels, not_image or unreadable."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code


@dataclass(frozen=True)
class SanitisedImage:
    """An upload re-encoded in its own format (JPEG, PNG or WebP) with no metadata at all.

    `display` is at most DISPLAY_LONG_SIDE pixels on its long side, `thumbnail` at most
    THUMBNAIL_LONG_SIDE; sizes are (width, height) of each, upright.
    """

    display: ContentFile[bytes]
    display_size: tuple[int, int]
    thumbnail: ContentFile[bytes]
    thumbnail_size: tuple[int, int]
    extension: str
    content_type: str


def image_pixels_max() -> int:
    return int(getattr(settings, "IMAGE_PIXELS_MAX", IMAGE_PIXELS_MAX))


def _too_many_pixels(pixels_max: int) -> ImageRejected:
    return ImageRejected(
        _("The photo is too large: it can be at most %(megapixels)d megapixels. Send a smaller copy.")
        % {"megapixels": pixels_max // 1_000_000},
        code="too_many_pixels",
    )


def _not_an_image() -> ImageRejected:
    return ImageRejected(_("The photo must be a JPEG, PNG or WebP image."), code="not_image")


def _unreadable() -> ImageRejected:
    return ImageRejected(
        _("The photo could not be read: the file may be damaged or incomplete. Try sending it again."),
        code="unreadable",
    )


def _pixel_mode(image: Image.Image, image_format: str) -> str:
    """The mode the copies are saved in: RGB, or RGBA to keep transparency, or L for greyscale."""
    if image_format != "JPEG" and image.has_transparency_data:
        return "RGBA"
    if image.mode in ("1", "L") and image_format != "WEBP":
        return "L"
    return "RGB"


def _encoded(image: Image.Image, image_format: str, name: str) -> ContentFile[bytes]:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **SAVE_OPTIONS[image_format])
    return ContentFile(buffer.getvalue(), name=name)


def image_sanitise(upload: File | IO[bytes]) -> SanitisedImage:
    """A display copy and a thumbnail of the uploaded image, re-encoded from its pixels alone.

    Raises ImageRejected (stores and keeps nothing) for a file over IMAGE_BYTES_MAX bytes or over
    the pixel budget, for anything but a JPEG, PNG or WebP image, and for a damaged or cut-short
    one. The EXIF orientation is applied; of an animation, only the first frame is kept.
    """
    upload.seek(0, io.SEEK_END)
    if upload.tell() > IMAGE_BYTES_MAX:
        raise ImageRejected(_("The photo is too big: it can be at most 5 MB."), code="too_big")
    upload.seek(0)
    pixels_max = image_pixels_max()
    # Pillow's own guard at the same budget (process-wide): it refuses twice the budget at open.
    Image.MAX_IMAGE_PIXELS = pixels_max
    try:
        image = Image.open(cast(IO[bytes], upload), formats=[*FORMATS, "MPO"])  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(pixels_max) from error
    except Exception as error:  # Pillow raises many kinds on hostile bytes; each is "not an image"
        raise _not_an_image() from error
    with image:
        # MPO: a JPEG with more pictures after the first (phones add depth maps and HDR gain maps).
        image_format = "JPEG" if image.format == "MPO" else (image.format or "")
        if image_format not in FORMATS:
            raise _not_an_image()
        width, height = image.size
        if width * height > pixels_max:  # before decoding: a bomb is refused on its header
            raise _too_many_pixels(pixels_max)
        try:
            # A JPEG decodes straight at a half, quarter or eighth of its size when that is enough.
            image.draft(None, (DISPLAY_LONG_SIDE, DISPLAY_LONG_SIDE))
            image.load()  # the first frame of an animation; a truncated file raises here
            pixels = image.convert(_pixel_mode(image, image_format))  # keeps info, so the orientation
            pixels.thumbnail((DISPLAY_LONG_SIDE, DISPLAY_LONG_SIDE), Image.Resampling.LANCZOS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels(pixels_max) from error
        except Exception as error:  # damaged, cut short, or a decoder error: never publish a part
            raise _unreadable() from error
    # Upright as the phone showed it; a damaged EXIF block only costs the turn, never the photo.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(pixels, in_place=True)
    # A new image holding only the pixels: no info dict, so no EXIF, GPS, XMP, ICC profile or text.
    display = Image.new(pixels.mode, pixels.size)
    display.paste(pixels)
    thumbnail = display.copy()
    thumbnail.thumbnail((THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS)
    extension, content_type = FORMATS[image_format]
    return SanitisedImage(
        display=_encoded(display, image_format, f"image.{extension}"),
        display_size=display.size,
        thumbnail=_encoded(thumbnail, image_format, f"thumbnail.{extension}"),
        thumbnail_size=thumbnail.size,
        extension=extension,
        content_type=content_type,
    )
