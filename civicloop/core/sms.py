"""Text-message helpers: segment counting (GSM-7 / UCS-2), fitting text into a budget, quiet hours.

Pure functions with no database access; the delivery engine and the inbound SMS handler use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings

# GSM 03.38 default alphabet, in code order (8 rows of 16). 0x1B is the escape to the extension table,
# not a character a message can contain, so it is left out of the set below.
GSM7_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_BASIC = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}
# Extension table: each is sent as ESC + char, so it costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_CHARS = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_PART = 160, 153  # septets; a multipart message loses 7 to the UDH
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsSegments:
    """How a text travels as SMS: encoding, size in units (septets or UTF-16 units), number of parts."""

    encoding: Encoding
    units: int
    segments: int


# One regular expression each instead of a set lookup per character: every reply is measured several times.
_GSM7_ONLY = re.compile("[" + "".join(re.escape(char) for char in sorted(GSM7_CHARS)) + "]*")
_GSM7_EXTENDED = re.compile("[" + "".join(re.escape(char) for char in sorted(GSM7_EXTENSION)) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 default alphabet or its extension table."""
    return _GSM7_ONLY.fullmatch(text) is not None


def sms_segments(text: str) -> SmsSegments:
    """Count the SMS parts `text` needs. The empty text needs 0 parts.

    A character outside GSM-7 makes the whole message UCS-2. In a multipart message an
    extension character (2 septets) or a surrogate pair (2 UTF-16 units) is never split
    across two parts, so the count may be higher than units / part size.
    """
    encoding: Encoding
    if is_gsm7(text):
        encoding, single, part, wide = "GSM-7", GSM7_SINGLE, GSM7_PART, _GSM7_EXTENDED
    else:
        encoding, single, part, wide = "UCS-2", UCS2_SINGLE, UCS2_PART, _ASTRAL
    doubles = len(wide.findall(text))
    units = len(text) + doubles
    if units == 0:
        return SmsSegments(encoding, 0, 0)
    if units <= single:
        return SmsSegments(encoding, units, 1)
    if not doubles:  # nothing that cannot be split: plain division
        return SmsSegments(encoding, units, -(-units // part))
    segments, used = 1, 0
    for width in (2 if wide.fullmatch(char) else 1 for char in text):
        if used + width > part:
            segments, used = segments + 1, 0
        used += width
    return SmsSegments(encoding, units, segments)


# Trailing characters that look odd right before an ellipsis.
_TRIM_TAIL = " \t\r\n\f,;:-–—"


def sms_fit(text: str, *, link: str = "", max_segments: int) -> str:
    """Return `text` + " " + `link` (or just one of them) within `max_segments` SMS parts.

    Callers may rely on:
    - the link, when given, is always kept whole and ends the result;
    - when the text must be shortened it is cut at a word boundary (mid-word only if its first
      word alone does not fit) and an ellipsis is added: "..." when the rest is GSM-7, so a cut
      never switches the message to UCS-2, else "…";
    - if even the link alone is over budget, the result is the link alone (the only over-budget case).
    Surrounding whitespace of `text` and `link` is dropped.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    text, link = text.strip(), link.strip()

    def join(body: str) -> str:
        return f"{body} {link}" if body and link else body or link

    def fits(candidate: str) -> bool:
        return sms_segments(candidate).segments <= max_segments

    whole = join(text)
    if fits(whole):
        return whole
    if link and not fits(link):
        return link

    # Every character costs at least one unit, so nothing longer than this can ever fit.
    head = text[: max_segments * GSM7_SINGLE + 1]
    word_cuts = [m.start() for m in re.finditer(r"\s", head)]
    # Word boundaries first, longest first; a cut inside the first word only as a last resort.
    first_word_end = word_cuts[0] if word_cuts else len(head)
    char_cuts = range(min(first_word_end, len(head) - 1), 0, -1)
    for cut in [*reversed(word_cuts), *char_cuts]:
        # Trailing punctuation goes before the ellipsis, unless it is all there is ("-" in "- ş").
        body = head[:cut].rstrip(_TRIM_TAIL) or head[:cut].rstrip()
        if not body:
            continue
        ellipsis = "..." if is_gsm7(body + link) else "…"
        candidate = join(body + ellipsis)
        if fits(candidate):
            return candidate
    return link


def sms_max_segments() -> int:
    """The per-message segment budget (settings.SMS_MAX_SEGMENTS, default 3)."""
    return int(getattr(settings, "SMS_MAX_SEGMENTS", 3))


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """Parse "21:00-08:00" into (start, end); an empty value means no quiet hours.

    Raises ValueError on anything else, so a typo in the settings fails loudly.
    """
    value = value.strip()
    if not value:
        return None
    start, sep, end = value.partition("-")
    if not sep:
        raise ValueError(f"quiet hours must look like 21:00-08:00, not {value!r}")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def quiet_hours_end(now: datetime, *, start: time, end: time) -> datetime | None:
    """If `now` falls inside the daily quiet window [start, end) in settings.TIME_ZONE, when it ends.

    The window may span midnight (21:00-08:00). start == end means no quiet hours.
    Returns an aware datetime in the local zone, or None when `now` is outside the window.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:
        inside, end_day = start <= clock < end, local.date()
    elif clock >= start:
        inside, end_day = True, local.date() + timedelta(days=1)
    else:
        inside, end_day = clock < end, local.date()
    if not inside:
        return None
    # Round-trip through UTC so an end time inside a DST gap becomes a real instant.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(ZoneInfo("UTC")).astimezone(zone)


def sms_not_before(now: datetime, *, urgent: bool) -> datetime | None:
    """When a message may be sent, or None for "now": urgent alerts ignore quiet hours.

    Reads settings.SMS_QUIET_HOURS (default "21:00-08:00"; empty disables quiet hours).
    """
    if urgent:
        return None
    window = parse_quiet_hours(getattr(settings, "SMS_QUIET_HOURS", "21:00-08:00"))
    if window is None:
        return None
    return quiet_hours_end(now, start=window[0], end=window[1])


def sms_mask_number(number: str) -> str:
    """A phone number safe to show in development output: "+13125550167" -> "+1312*****67"."""
    if len(number) <= 7:  # too short to show any part of it safely
        return "*" * len(number)
    return number[:5] + "*" * (len(number) - 7) + number[-2:]
