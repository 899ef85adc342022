"""An announcement's card: a square image with its title, community areas and date in the city's colours.

Instagram publishes only images, so the card is what the city's Instagram post shows. It is served as PNG
at `/announcements/<slug>/card.png` and as JPEG at `card.jpg`, which is what Instagram fetches (its content
publishing takes JPEG only); its alt text goes in the container's `alt_text`. Rendering is deterministic
(the same content gives the same bytes) and cached in memory, keyed by the content and format, so a card
is drawn once per process until its text changes.
"""

import hashlib
import io
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from civicloop.announcements.models import Announcement, Kind
from civicloop.announcements.selectors import localized_text

CARD_SIZE = 1080  # Instagram's square: shown whole in the feed and the grid
# Bumped when the drawing changes, so caches keyed by the content let go of older cards.
CARD_VERSION = "1"
CITY_BLUE = "#0b4f8a"  # the site's --brand
CITY_BLUE_DARK = "#083a66"
FLAG_LIGHT_BLUE = "#b3ddf2"  # the light blue of Chicago's flag stripes
FLAG_RED = "#e4002b"  # the red of its stars
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
MARGIN = 80
TITLE_TOP = 250
TITLE_BOTTOM = 800
AREAS_SHOWN = 3

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class CardContent:
    """What a card shows, in one language: everything the drawing depends on."""

    language: str
    city: str
    kind: str
    title: str
    areas: str
    date: str

    def etag(self, image_format: str) -> str:
        """An HTTP entity tag for the card in `image_format`: it changes whenever the drawing would."""
        digest = hashlib.sha256(repr((CARD_VERSION, image_format, self)).encode("utf-8")).hexdigest()
        return f'"{digest[:32]}"'

    @property
    def alt_text(self) -> str:
        with translation.override(self.language):
            return _("%(city)s %(kind)s: %(title)s. %(areas)s. %(date)s.") % {
                "city": self.city,
                "kind": self.kind.lower(),
                "title": self.title.rstrip("."),
                "areas": self.areas,
                "date": self.date,
            }


def card_content(announcement: Announcement, language: str) -> CardContent:
    """The card's words in `language` (English where the announcement has no text in it).

    Uses the announcement's prefetched translations and areas when they are there.
    """
    text = localized_text(announcement, language)
    with translation.override(text.language):
        names = sorted(area.name for area in announcement.areas.all())
        if announcement.is_citywide or not names:
            areas = _("All of Chicago")
        elif len(names) > AREAS_SHOWN:
            areas = _("%(areas)s and %(count)d more") % {
                "areas": ", ".join(names[:AREAS_SHOWN]),
                "count": len(names) - AREAS_SHOWN,
            }
        else:
            areas = ", ".join(names)
        return CardContent(
            language=text.language,
            city=_("City of Chicago"),
            kind=str(Kind(announcement.kind).label),
            title=text.title,
            areas=areas,
            date=_card_date(announcement),
        )


def _card_date(announcement: Announcement) -> str:
    # An event's card gives when it happens; any other, when it was announced.
    moment: datetime | None = announcement.event_starts_at if announcement.kind == Kind.EVENT else None
    moment = moment or announcement.published_at or announcement.created_at
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def card_png(content: CardContent) -> bytes:
    """The card as PNG bytes (cached per content)."""
    return _encode(content, "PNG")


def card_jpeg(content: CardContent) -> bytes:
    """The card as baseline JPEG bytes (cached per content), for Instagram."""
    return _encode(content, "JPEG")


@lru_cache(maxsize=64)
def _encode(content: CardContent, image_format: str) -> bytes:
    output = io.BytesIO()
    if image_format == "JPEG":
        # High quality and no chroma subsampling keep the text's edges sharp.
        _draw(content).save(output, format="JPEG", quality=92, subsampling=0)
    else:
        _draw(content).save(output, format="PNG", optimize=True)
    return output.getvalue()


def _draw(content: CardContent) -> Image.Image:
    image = Image.new("RGB", (CARD_SIZE, CARD_SIZE), CITY_BLUE)
    draw = ImageDraw.Draw(image)
    # Header: a red six-pointed star and the city's name, over a darker band.
    draw.rectangle((0, 0, CARD_SIZE, 180), fill=CITY_BLUE_DARK)
    draw.polygon(_star(MARGIN + 45, 90, 45), fill=FLAG_RED)
    draw.text((MARGIN + 120, 90), content.city.upper(), font=_font(44, bold=True), fill="white", anchor="lm")
    draw.text(
        (MARGIN, TITLE_TOP - 50), content.kind.upper(), font=_font(34), fill=FLAG_LIGHT_BLUE, anchor="ls"
    )
    _draw_title(draw, content.title)
    # Footer: the flag's two light blue stripes framing where and when.
    draw.rectangle((0, 830, CARD_SIZE, 846), fill=FLAG_LIGHT_BLUE)
    draw.rectangle((0, 1040, CARD_SIZE, 1056), fill=FLAG_LIGHT_BLUE)
    small = _font(38)
    draw.text(
        (MARGIN, 900), _fit_line(content.areas, small, CARD_SIZE - 2 * MARGIN), font=small, fill="white"
    )
    draw.text((MARGIN, 960), content.date, font=small, fill=FLAG_LIGHT_BLUE)
    return image


def _draw_title(draw: ImageDraw.ImageDraw, title: str) -> None:
    """The title as large as lets it fit between TITLE_TOP and TITLE_BOTTOM; cut with "…" if even the
    smallest size does not."""
    width = CARD_SIZE - 2 * MARGIN
    for size in (96, 84, 72, 62, 54, 46):
        font = _font(size, bold=True)
        line_height = int(size * 1.2)
        max_lines = (TITLE_BOTTOM - TITLE_TOP) // line_height
        lines = _wrap(title, font, width)
        if len(lines) <= max_lines or size == 46:
            if len(lines) > max_lines:
                lines = [*lines[: max_lines - 1], _fit_line(" ".join(lines[max_lines - 1 :]), font, width)]
            for number, line in enumerate(lines):
                draw.text((MARGIN, TITLE_TOP + number * line_height), line, font=font, fill="white")
            return


def _wrap(text: str, font: Font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # A word wider than the card is broken where it must be.
        while font.getlength(word) > width:
            cut = next(i for i in range(len(word), 0, -1) if font.getlength(word[:i]) <= width or i == 1)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _fit_line(text: str, font: Font, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,;:.") + "…"


def _star(x: float, y: float, radius: float) -> list[tuple[float, float]]:
    """A six-pointed star (the flag's) centred on (x, y), as 12 polygon points."""
    points = []
    for index in range(12):
        reach = radius if index % 2 == 0 else radius * 0.5
        angle = math.pi / 2 + index * math.pi / 6
        points.append((x + reach * math.cos(angle), y - reach * math.sin(angle)))
    return points


@lru_cache(maxsize=16)
def _font(size: int, *, bold: bool = False) -> Font:
    """DejaVu Sans (Debian's fonts-dejavu-core), else Pillow's own font: cards still render without it."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default(size)
