"""The text of a social post: title, then the summary if there is room, then the link, within a limit.

Lengths are measured the way each network measures them:

- Mastodon: 500 grapheme clusters, where each link it recognises counts as 23 (its StatusLengthValidator).
- Bluesky: 300 grapheme clusters (app.bsky.feed.post `maxGraphemes`), and at most 3000 UTF-8 bytes
  (`maxLength`); `bluesky_length` folds the byte rule in so one number can be checked against 300.

Grapheme clusters are Unicode extended grapheme clusters, counted with the `regex` package's `\\X`
(the same unit as Ruby's `each_grapheme_cluster` and JavaScript's `Intl.Segmenter`).
"""

import math
from collections.abc import Callable

import regex

ELLIPSIS = "…"
PARAGRAPH = "\n\n"

MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23
BLUESKY_LIMIT = 300
BLUESKY_MAX_BYTES = 3000

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
