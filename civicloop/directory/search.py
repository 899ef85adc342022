"""Plain-words search: the one fold applied to both the stored text and the visitor's query."""

import re
import unicodedata

QUERY_MAX = 200  # characters read from a query; anything longer is cut, never refused
WORDS_MAX = 8
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def search_fold(text: str) -> str:
    """Lower-case, accents dropped, punctuation as spaces: "Tarjeta de Biblioteca, ¿Cómo?" -> "tarjeta de
    biblioteca como"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", bare).split())


def search_document(text: str) -> str:
    """The stored form of searchable text: folded, each word preceded by a space, so a query word
    matches from the start of a word ("rat" finds "rats", not "separate")."""
    return " " + search_fold(text)


def search_words(query: str) -> list[str]:
    """The words of a query worth searching for (none for empty or pure punctuation), at most WORDS_MAX."""
    return search_fold(query[:QUERY_MAX]).split()[:WORDS_MAX]
