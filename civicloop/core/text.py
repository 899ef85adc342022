"""Text helpers shared by every app: safe Markdown and plain-language scores."""

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
import phonenumbers
import pyphen
from django.utils.translation import gettext, gettext_noop

# Tags a communications officer needs; anything else (script, iframe, style, on* attributes) is dropped.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def markdown_to_safe_html(text: str) -> str:
    """Render Markdown and sanitise the result so user text can never run script."""
    html = markdown_lib.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def plain_text(text: str) -> str:
    """Strip all markup: for summaries, SMS and search."""
    return nh3.clean(markdown_lib.markdown(text), tags=set()).strip()


@dataclass(frozen=True)
class Readability:
    score: float
    grade_label: str
    plain: bool


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?¡¿…:;]+|\n\s*\n|\n\s*[-*\d]")


@lru_cache(maxsize=4)
def _hyphenator(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="es" if language == "es" else "en_US")


def _syllables(word: str, language: str) -> int:
    return max(1, len(_hyphenator(language).positions(word.lower())) + 1)


# Not textstat: its English syllables come from NLTK's cmudict, downloaded from the internet on first use
# (servers may have no internet); its Spanish (Fernández Huerta) agreed with this within 1.5 points.
def readability(text: str, language: str) -> Readability:
    """A plain-language grade; the city's target is about 8th grade or easier.

    English: Flesch-Kincaid grade level. Spanish: Fernández Huerta ease (0-100, 60+ is plain).
    """
    body = plain_text(text)
    words = _WORD.findall(body)
    if not words:
        return Readability(score=0.0, grade_label="", plain=True)
    sentences = max(1, len([part for part in _SENTENCE_END.split(body) if _WORD.search(part)]))
    syllables = sum(_syllables(word, language) for word in words)
    words_per_sentence = len(words) / sentences
    syllables_per_word = syllables / len(words)
    if language == "es":
        ease = 206.84 - 60 * syllables_per_word - 1.02 * words_per_sentence
        return Readability(score=round(ease, 1), grade_label=_spanish_label(ease), plain=ease >= 60)
    grade = 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59
    return Readability(score=round(grade, 1), grade_label=f"Grade {max(grade, 0):.0f}", plain=grade <= 8.5)


def _spanish_label(score: float) -> str:
    if score >= 80:
        return "Muy fácil"
    if score >= 60:
        return "Normal"
    if score >= 40:
        return "Algo difícil"
    return "Difícil"


EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DIGIT_IN_TEXT = re.compile(r"\d")
PHONE_DIGITS_MIN_US = 7  # "744-5000"
PHONE_DIGITS_MIN_INTERNATIONAL = 4  # "+49 22"
PLUS_SIGNS = ("+", "\uff0b")  # libphonenumber also reads the full-width plus
EMAIL_MASK = gettext_noop("[email removed]")
PHONE_MASK = gettext_noop("[phone removed]")
# A 311 request's public number ("26-00001234": the year, then eight digits) is no phone number.
REQUEST_NUMBER = re.compile(r"\d{2}-\d{8}")


def may_hold_contact_details(text: str) -> bool:
    """False when contact_details_mask is sure to leave the text as it is (no "@", too few digits for a
    phone number): decided without libphonenumber, so a million rows can be sorted in seconds."""
    if "@" in text:
        return True
    digits = len(DIGIT_IN_TEXT.findall(text)) + text.count("x") + text.count("X")
    return digits >= PHONE_DIGITS_MIN_US or (
        digits >= PHONE_DIGITS_MIN_INTERNATIONAL and any(plus in text for plus in PLUS_SIGNS)
    )


def contact_details_mask(text: str) -> str:
    """Free text as the public may see it: emails and phone numbers residents typed are masked.

    Phone numbers are found by libphonenumber (US rules), so dates and street numbers stay.
    """
    # Masks are translated (into the reader's language) only when there is something to mask:
    # two gettext calls per text were a third of an API list's cost.
    if "@" in text:
        email_mask = gettext(EMAIL_MASK)
        text = EMAIL_IN_TEXT.sub(lambda _found: email_mask, text)
    # Too few digits for any phone number: skips libphonenumber's matcher (~10 µs a call), a hot
    # spot in API lists. Its shortest match is 7 digits in US form, 4 after a plus ("+49 22").
    if not DIGIT_IN_TEXT.search(text):
        return text
    # libphonenumber reads an "x" among digits as a keypad letter (9): "12xxx34" is a possible number.
    digits = len(DIGIT_IN_TEXT.findall(text)) + text.count("x") + text.count("X")
    if digits < PHONE_DIGITS_MIN_INTERNATIONAL or (
        digits < PHONE_DIGITS_MIN_US and not any(plus in text for plus in PLUS_SIGNS)
    ):
        return text
    matches = [
        match
        for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE)
        if not REQUEST_NUMBER.fullmatch(match.raw_string)
    ]
    if matches:
        phone_mask = gettext(PHONE_MASK)
        for match in reversed(matches):
            text = text[: match.start] + phone_mask + text[match.end :]
    return text


def phone_number_masked(number: str) -> str:
    """A phone number as staff without access to contact details see it: "+13125550123" -> "•••• 0123"."""
    digits = "".join(char for char in number if char.isdigit())
    return f"•••• {digits[-4:]}" if len(digits) > 4 else "••••"


WEB_SCHEMES = frozenset({"http", "https"})


def web_address(url: str) -> str:
    """`url` if it is an http or https address with a host, else "": never javascript:, data: or file:.

    One rule for the links residents and API clients send, wherever the city shows or publishes them.
    """
    if not url:
        return ""
    try:
        parts = urlsplit(url)  # drops tabs and newlines and leading controls, as browsers do
    except ValueError:  # e.g. an unclosed "[" in the host
        return ""
    return url if parts.scheme in WEB_SCHEMES and parts.hostname else ""
