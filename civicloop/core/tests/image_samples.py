"""Real images made with Pillow for the upload tests: a phone photo with GPS, bombs, broken files."""

import functools
import io

from PIL import ExifTags, Image, PngImagePlugin

# Where the "phone" says it was: 41°51'27" N, 87°39'23" W (Pilsen).
GPS_LATITUDE = (41.0, 51.0, 27.0)
GPS_LONGITUDE = (87.0, 39.0, 23.0)
CAMERA_MAKE = "CivicPhone Maker"
SECRET_COMMENT = b"taken at 1800 S Blue Island Ave"
SECRET_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">home of Rosa Quintana</x:xmpmeta>'
RED, BLUE = (220, 20, 20), (20, 20, 220)
# What Pillow reports of any JPEG or WebP file it reads: container facts, not metadata anyone wrote.
CONTAINER_FACTS = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "progressive",
    "progression",
    "loop",
    "background",
    "timestamp",
    "duration",
}


def _saved(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


def half_red_half_blue(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Red on the left half, blue on the right: shows which way a copy was turned."""
    image = Image.new(mode, size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def phone_jpeg(size: tuple[int, int] = (400, 300), orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: EXIF with GPS and the camera, a comment, an ICC profile."""
    return _saved(
        half_red_half_blue(size),
        "JPEG",
        exif=gps_exif(orientation),
        comment=SECRET_COMMENT,
        icc_profile=b"\x00" * 128,
        xmp=SECRET_XMP,
    )


def png_with_text(size: tuple[int, int] = (300, 200)) -> bytes:
    """A PNG with transparency, text chunks (a comment and XMP), EXIF with GPS and an ICC profile."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET_COMMENT.decode())
    info.add_itxt("XML:com.adobe.xmp", SECRET_XMP.decode())
    image = half_red_half_blue(size, "RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    return _saved(image, "PNG", pnginfo=info, exif=gps_exif(), icc_profile=b"\x00" * 128)


def webp_with_metadata(size: tuple[int, int] = (300, 200)) -> bytes:
    return _saved(half_red_half_blue(size), "WEBP", exif=gps_exif(), xmp=SECRET_XMP, icc_profile=b"")


def animated(image_format: str, size: tuple[int, int] = (60, 40)) -> bytes:
    """Two frames, red then blue (PNG: an APNG; MPO: a JPEG with a second picture, as phones write)."""
    frames = [Image.new("RGB", size, RED), Image.new("RGB", size, BLUE)]
    return _saved(frames[0], image_format, save_all=True, append_images=frames[1:], duration=100)


@functools.cache  # seconds to compress 400 MP of zeros: made once per test run
def huge_png(width: int, height: int) -> bytes:
    """A PNG of width x height one-bit pixels: tens of KB on disk, hundreds of megapixels decoded."""
    return _saved(Image.new("1", (width, height)), "PNG")


def plain(image_format: str, size: tuple[int, int] = (300, 200)) -> bytes:
    return _saved(half_red_half_blue(size), image_format)


def cut_in_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def noisy_jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG big enough that half of it is a real, truncated image."""
    return _saved(Image.effect_noise(size, 64).convert("RGB"), "JPEG", quality=90)


def metadata_left(data: bytes) -> dict[str, object]:
    """Everything beyond the pixels a saved image still carries (empty when it is clean)."""
    image = Image.open(io.BytesIO(data))
    left: dict[str, object] = {
        str(key): value for key, value in image.info.items() if key not in CONTAINER_FACTS
    }
    exif = image.getexif()
    if len(exif):
        left["exif"] = dict(exif)
    if len(exif.get_ifd(ExifTags.IFD.GPSInfo)):
        left["gps"] = dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    for secret in (CAMERA_MAKE.encode(), SECRET_COMMENT, b"Rosa Quintana", b"Exif\x00\x00"):
        if secret in data:
            left[f"bytes {secret!r}"] = True
    return left
