"""Reading a resident's text: words, directions and street types in English and Spanish, and the street
names written before or after a house number or a separator ("and", "&", "y", "entre"...)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from civicloop.places.geocoding.intersections import _Gazetteer
from civicloop.places.geocoding.streets import _ALIASES, _COMMON_WORDS

_TOKEN = re.compile(r"[a-z0-9]+|[&/@+]")
_SEPARATORS = {"&", "/", "@", "+", "and", "at", "y", "con", "entre", "between", "n"}
_DIRECTIONS = {
    "n": "N",
    "north": "N",
    "norte": "N",
    "s": "S",
    "south": "S",
    "sur": "S",
    "e": "E",
    "east": "E",
    "este": "E",
    "w": "W",
    "west": "W",
    "oeste": "W",
}
_TYPE_WORDS = {
    "st": "ST",
    "street": "ST",
    "str": "ST",
    "ave": "AVE",
    "av": "AVE",
    "avenue": "AVE",
    "avenida": "AVE",
    "blvd": "BLVD",
    "boulevard": "BLVD",
    "bulevar": "BLVD",
    "rd": "RD",
    "road": "RD",
    "dr": "DR",
    "drive": "DR",
    "pkwy": "PKWY",
    "parkway": "PKWY",
    "pl": "PL",
    "place": "PL",
    "ct": "CT",
    "court": "CT",
    "ter": "TER",
    "terrace": "TER",
    "ln": "LN",
    "lane": "LN",
    "calle": "",  # Spanish "street", no type
}
# Words that may come between a separator or house number and the street: "y la calle 35", "3500 block of".
_LEADING_WORDS = {"the", "la", "el", "calle", "avenida", "av", "block", "of", "cuadra", "de", "del"}
_FUZZY_STOPWORDS_TEXT = """
    about after again along alley avenida avenue block broken calle chicago corner could cuadra esquina
    every front hello light night other please pothole potholes right since still street their there these
    thing think those where which while would
"""
_FUZZY_STOPWORDS = frozenset(_FUZZY_STOPWORDS_TEXT.split())
_ORDINAL = re.compile(r"^(\d{1,3})(st|nd|rd|th|a|o|va|vo)?$")
_HOUSE_NUMBER = re.compile(r"^\d{1,5}$")


def _tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return _TOKEN.findall(re.sub(r"['’`]", "", text))


def _ordinal_key(number: int) -> str:
    suffix = "TH" if 10 <= number % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(number % 10, "TH")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class _Reference:
    """A street named in the text: candidate keys (best first), and the direction and type written."""

    keys: tuple[tuple[str, float], ...]
    direction: str | None
    kind: str | None
    qualified: bool  # a direction, a street word or a number says it is a street

    @property
    def weak(self) -> bool:
        return not self.qualified and all(key in _COMMON_WORDS for key, _ in self.keys)


def _name_key(words: list[str], gazetteer: _Gazetteer) -> str | None:
    if not all(word.isalnum() for word in words):
        return None
    if len(words) == 1:
        ordinal = _ORDINAL.match(words[0])
        if ordinal:
            key = _ordinal_key(int(ordinal.group(1)))
            return key if key in gazetteer.by_key else None
    key = "".join(words).upper()
    key = _ALIASES.get(key, key)
    return key if len(key) > 1 and key in gazetteer.by_key and not key[0].isdigit() else None


def _fuzzy_keys(words: list[str], gazetteer: _Gazetteer) -> tuple[tuple[str, float], ...]:
    if not all(word.isalpha() and word not in _FUZZY_STOPWORDS for word in words):
        return ()
    joined = "".join(words).upper()
    return gazetteer.fuzzy(joined) if len(joined) >= 5 else ()


def _name_forward(tokens: list[str], start: int, gazetteer: _Gazetteer):
    """(keys, end) of the street name starting at start: the longest exact name, else a fuzzy one."""
    for length in (4, 3, 2, 1):
        words = tokens[start : start + length]
        if len(words) == length and (key := _name_key(words, gazetteer)):
            return ((key, 1.0),), start + length
    best: tuple[tuple[tuple[str, float], ...], int] | None = None
    for length in (1, 2):
        words = tokens[start : start + length]
        keys = _fuzzy_keys(words, gazetteer) if len(words) == length else ()
        if keys and (best is None or keys[0][1] > best[0][0][1]):
            best = (keys, start + length)
    return best


def _name_backward(tokens: list[str], end: int, gazetteer: _Gazetteer):
    """(keys, start) of the street name ending just before end."""
    for length in (4, 3, 2, 1):
        if end - length >= 0 and (key := _name_key(tokens[end - length : end], gazetteer)):
            return ((key, 1.0),), end - length
    best: tuple[tuple[tuple[str, float], ...], int] | None = None
    for length in (1, 2):
        keys = _fuzzy_keys(tokens[end - length : end], gazetteer) if end - length >= 0 else ()
        if keys and (best is None or keys[0][1] > best[0][0][1]):
            best = (keys, end - length)
    return best


def _numbered(keys: tuple[tuple[str, float], ...]) -> bool:
    return keys[0][0][0].isdigit()


def _street_forward(tokens: list[str], start: int, gazetteer: _Gazetteer) -> _Reference | None:
    """The street written from start on: [calle|avenida] [direction] name [type]."""
    i, kind = start, None
    while i < len(tokens) and tokens[i] in _LEADING_WORDS:
        kind = _TYPE_WORDS.get(tokens[i], kind)
        i += 1
    directed = None
    if i + 1 < len(tokens) and tokens[i] in _DIRECTIONS:
        directed = _name_forward(tokens, i + 1, gazetteer)
    plain = _name_forward(tokens, i, gazetteer)
    # "south shore dr", "west end ave": a direction word that is part of the name.
    if (
        plain
        and plain[0][0][1] == 1.0
        and (directed is None or directed[0][0][1] < 1.0 or plain[1] >= directed[1])
    ):
        (keys, end), direction = plain, None
    elif directed:
        (keys, end), direction = directed, _DIRECTIONS[tokens[i]]
    elif plain:
        (keys, end), direction = plain, None
    else:
        return None
    if end < len(tokens) and tokens[end] in _TYPE_WORDS:
        kind = _TYPE_WORDS[tokens[end]]
    qualified = direction is not None or kind is not None or _numbered(keys)
    return _Reference(keys, direction, kind or None, qualified)


def _street_backward(tokens: list[str], end: int, gazetteer: _Gazetteer) -> _Reference | None:
    """The street written just before end: [direction] name [type]."""
    attempts: list[tuple[int, str | None]] = []
    if end >= 2 and tokens[end - 1] in _TYPE_WORDS:
        attempts.append((end - 1, _TYPE_WORDS[tokens[end - 1]]))
    attempts.append((end, None))
    for name_end, kind in attempts:
        found = _name_backward(tokens, name_end, gazetteer)
        if found is None:
            continue
        keys, start = found
        direction = _DIRECTIONS.get(tokens[start - 1]) if start >= 1 else None
        if start >= 1 and tokens[start - 1] in ("calle", "avenida", "av"):
            kind = kind or _TYPE_WORDS[tokens[start - 1]]
        qualified = direction is not None or kind is not None or _numbered(keys)
        return _Reference(keys, direction, kind or None, qualified)
    return None
