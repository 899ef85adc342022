"""The text of a social post: title, then the summary if there is room, then the link, within a limit.

Lengths are measured the way each network measures them:

- Mastodon: 500 grapheme clusters, where each link it recognises counts as 23 (its StatusLengthValidator).
- Bluesky: 300 grapheme clusters (app.bsky.feed.post `maxGraphemes`), and at most 3000 UTF-8 bytes
  (`maxLength`); `bluesky_length` folds the byte rule in so one number can be checked against 300.
- X: 280 weighted characters, twitter-text's v3 configuration (see `x_length`).
- Facebook Page posts (63,206) and Instagram captions (2,200): characters, counted as UTF-16 code units
  (what Meta's JavaScript counts), which is never less than the graphemes a reader sees.

Grapheme clusters are Unicode extended grapheme clusters, counted with the `regex` package's `\\X`
(the same unit as Ruby's `each_grapheme_cluster` and JavaScript's `Intl.Segmenter`).
"""

import math
import unicodedata
from collections.abc import Callable

import regex

ELLIPSIS = "…"
PARAGRAPH = "\n\n"

MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23
BLUESKY_LIMIT = 300
BLUESKY_MAX_BYTES = 3000
X_LIMIT = 280
X_URL_LENGTH = 23
FACEBOOK_LIMIT = 63_206
INSTAGRAM_LIMIT = 2_200
# twitter-text v3: weights are in hundredths; these code point ranges weigh 1, everything else 2.
_X_SCALE = 100
_X_DEFAULT_WEIGHT = 200
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

_GRAPHEME = regex.compile(r"\X")
_WHITESPACE = regex.compile(r"\s+")
# A link as Mastodon's extractor finds one: a scheme not glued to a preceding word, then no spaces.
_URL = regex.compile(r"(?<![\p{L}\p{N}@$#＠＃])https?://[^\s<>]+", regex.IGNORECASE)
# Mastodon does not end a link on these; counting them outside the link can only over-count.
_URL_TRAILING = "()?!*\"'「」<>;:=,.$%[]~&|@"
# Mastodon only shortens links to real domain names (twitter-text needs a TLD), not IPs or "localhost".
_PUBLIC_HOST = regex.compile(r"^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}$")
# Punctuation that reads badly right before an ellipsis.
_TRIM_BEFORE_ELLIPSIS = " \t\n,;:.-–—"


def grapheme_count(text: str) -> int:
    """User-perceived characters: "🌳", "é" written as e + accent, and "👩‍👩‍👧" each count as one."""
    return len(_GRAPHEME.findall(text))


def mastodon_length(text: str) -> int:
    """Length as Mastodon checks it against its 500-character limit (never less than Mastodon's count).

    Each http(s) link to a domain name counts as 23 characters whatever its length; links Mastodon would
    not recognise (IP addresses, "localhost") count as at least 23 and at most their own length.
    """
    total = 0
    position = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        if "://" not in url:
            continue
        total += grapheme_count(text[position : match.start()])
        total += _mastodon_url_length(url)
        position = match.start() + len(url)
    return total + grapheme_count(text[position:])


def _mastodon_url_length(url: str) -> int:
    host = regex.split(r"[/:?#]", url.split("://", 1)[1], maxsplit=1)[0]
    if _PUBLIC_HOST.match(host):
        return MASTODON_URL_LENGTH
    return max(MASTODON_URL_LENGTH, grapheme_count(url))


def bluesky_length(text: str) -> int:
    """Length as Bluesky limits it: graphemes, or a tenth of the UTF-8 bytes if that is more.

    So `bluesky_length(text) <= 300` means both 300 graphemes and 3000 bytes hold.
    """
    byte_share = math.ceil(len(text.encode("utf-8")) * BLUESKY_LIMIT / BLUESKY_MAX_BYTES)
    return max(grapheme_count(text), byte_share)


def meta_length(text: str) -> int:
    """Length as Facebook and Instagram limit posts: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


# Hand-written to twitter-text v3's rules (parseTweet) rather than a dependency: twitter-text-parser has had
# one release (2023); tests check it against examples from twitter-text's conformance validate.yml.
_X_URL = regex.compile(r"(?<![\p{L}\p{N}@$#＠＃/.])https?://[^\s<>\"]+", regex.IGNORECASE)
# Links written without a scheme ("chicago.gov/trees"): twitter-text links them when the TLD is real.
_X_BARE_DOMAIN = regex.compile(
    r"(?<![\p{L}\p{N}@$#＠＃/.\-_])(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-_]*[\p{L}\p{N}])?\.)+\p{L}{2,}(?:/[^\s<>\"]*)?",
)
_X_URL_TRAILING = "()?!*\"'「」<>;:=,.$%[]~&|@"
_IPV4 = regex.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")


def x_length(text: str) -> int:
    """Length as X checks it against 280 (twitter-text v3): never less than X's count.

    After NFC normalisation, each link counts 23 (a 23-character t.co link replaces it); each emoji, even
    a family joined with ZWJ or a flag, counts 2; other characters count 1 in the ranges Latin, Greek,
    Cyrillic, Hebrew, Arabic, Indic and general punctuation use (U+0000–U+10FF, U+2000–U+200D,
    U+2010–U+201F, U+2032–U+2037) and 2 elsewhere (CJK, Hangul, symbols). A bare domain ("chicago.gov")
    counts as a link if that is more: over-counting only shortens a post, under-counting gets it refused.
    """
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for start, end, is_scheme_link in _x_links(text):
        total += _x_weight(text[position:start])
        link = X_URL_LENGTH * _X_SCALE
        exact = is_scheme_link and _x_recognised_host(text[start:end])
        total += link if exact else max(link, _x_weight(text[start:end]))
        position = end
    total += _x_weight(text[position:])
    return math.ceil(total / _X_SCALE)


def _x_links(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, has a scheme) of each link-like run, in order, not overlapping."""
    found: list[tuple[int, int, bool]] = []
    taken_until = 0
    for match in _X_URL.finditer(text):
        url = match.group().rstrip(_X_URL_TRAILING)
        if "://" in url and len(url) > url.index("://") + 3:
            found.append((match.start(), match.start() + len(url), True))
    for match in _X_BARE_DOMAIN.finditer(text):
        if any(start <= match.start() < end for start, end, _ in found):
            continue
        url = match.group().rstrip(_X_URL_TRAILING)
        found.append((match.start(), match.start() + len(url), False))
    found.sort()
    kept = []
    for start, end, scheme in found:
        if start >= taken_until:
            kept.append((start, end, scheme))
            taken_until = end
    return kept


def _x_recognised_host(url: str) -> bool:
    host = regex.split(r"[/:?#]", url.split("://", 1)[1].rsplit("@", 1)[-1], maxsplit=1)[0]
    return bool(_PUBLIC_HOST.match(host) or _IPV4.match(host))


def _x_weight(text: str) -> int:
    """Weight of text without links, in hundredths: emoji clusters 200, other code points by range."""
    total = 0
    for cluster in _GRAPHEME.findall(text):
        if _EMOJI.search(cluster):
            total += _X_DEFAULT_WEIGHT
            continue
        for character in cluster:
            point = ord(character)
            light = any(low <= point <= high for low, high in _X_LIGHT_RANGES)
            total += _X_SCALE if light else _X_DEFAULT_WEIGHT
    return total


def social_post_text(*, title: str, summary: str, link: str, limit: int, count: Callable[[str], int]) -> str:
    """The post for an announcement: "title\\n\\nsummary\\n\\nlink", shortened to fit `limit`.

    Callers may rely on: the result ends with `link`, unchanged; `count(result) <= limit`; the summary
    is kept whole if it fits, else cut at a word boundary with "…", else left out; the title is kept
    whole if it fits next to the link, else cut the same way (mid-word only when not even its first
    word fits). Whitespace inside title and summary is collapsed to single spaces; with no title, the
    summary takes its place.

    Raises ValueError when the link alone does not fit: a post without its link is useless.
    """
    title = _squash(title)
    summary = _squash(summary)
    if not title:
        title, summary = summary, ""
    tail = PARAGRAPH + link

    def fits(body: str) -> bool:
        return count(body + tail) <= limit

    if count(link) > limit:
        raise ValueError(f"The link alone is longer than the limit of {limit}.")
    if summary and fits(title + PARAGRAPH + summary):
        return title + PARAGRAPH + summary + tail
    if title and fits(title):
        if summary:
            shortened = _shorten(summary, lambda cut: fits(title + PARAGRAPH + cut))
            if shortened:
                return title + PARAGRAPH + shortened + tail
        return title + tail
    if title:
        shortened = _shorten(title, fits) or _shorten_mid_word(title, fits)
        if shortened:
            return shortened + tail
    return link


def _squash(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _shorten(text: str, fits: Callable[[str], bool]) -> str:
    """The longest run of whole words from the start of `text`, plus "…", that fits; "" if none does."""
    ends = [match.start() for match in _WHITESPACE.finditer(text)]
    for end in reversed(ends):
        candidate = text[:end].rstrip(_TRIM_BEFORE_ELLIPSIS)
        if candidate and fits(candidate + ELLIPSIS):
            return candidate + ELLIPSIS
    return ""


def _shorten_mid_word(text: str, fits: Callable[[str], bool]) -> str:
    """The longest run of whole graphemes from the start of `text`, plus "…", that fits; "" if none does."""
    graphemes = _GRAPHEME.findall(text)
    for size in range(len(graphemes) - 1, 0, -1):
        candidate = "".join(graphemes[:size]).rstrip(_TRIM_BEFORE_ELLIPSIS)
        if candidate and fits(candidate + ELLIPSIS):
            return candidate + ELLIPSIS
    return ""
