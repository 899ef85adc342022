"""A resident's question as the embedder reads it, and this process's cache of question embeddings.

Residents ask the same questions in the same words ("when is garbage pickup"): each process keeps the
embeddings of the latest distinct questions (in memory only) instead of running the model again. The
cache lives here and only here.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import numpy as np

from civicloop.assistant.faq import keyword_words, text_embeddings, text_tokens
from civicloop.assistant.selectors.faq_calibration import QUERY_MAX_CHARS, QUERY_MAX_TOKENS

QUERY_CACHE_SIZE = 4096
_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_query_cache_lock = threading.Lock()


def faq_query_cache_forget() -> None:
    """Drop this process's cached question embeddings (each next question is embedded again)."""
    with _query_cache_lock:
        _query_cache.clear()


# Words around a question that say nothing about it: "hi", "hola", "quick question:", "thanks", "gracias".
_OPENING = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|hola|buenas|buenos dias"
    r"|buenas (?:tardes|noches)|quick question|question|pregunta|pls|please|por favor|ok|okay)\b[\s,.:;!-]*)+"
)
_CLOSING = re.compile(
    r"(?:[\s,.;!-]*\b(?:thanks|thank you|thx|ty|tks|pls|please|gracias|muchas gracias|por favor))+[\s.!]*$"
)
_SPACES = re.compile(r"\s+")


def question_essence(text: str) -> str:
    """What is embedded for a question: lower case, without greetings, thanks and trailing punctuation.

    "Hi, when is garbage day?? thanks" and "when is garbage day" are one question to the embedder (and to
    the cache above); fewer words also embed faster.
    """
    essence = _SPACES.sub(" ", text.strip().lower())
    essence = _CLOSING.sub("", _OPENING.sub("", essence)).strip(" ?!.,;:¿¡")
    return essence or text.strip().lower()


def question_embedded_words(essence: str, *, max_tokens: int | None = None) -> str:
    """The words of a question's essence the embedder reads: within `max_tokens` tokens (default
    QUERY_MAX_TOKENS). Filler words (faq.STOP_WORDS) go first, from the end, then the last words; at
    least two words stay."""
    max_tokens = max_tokens or QUERY_MAX_TOKENS
    tokens = text_tokens(essence)
    if tokens is None or tokens <= max_tokens:
        return essence
    words = essence.split(" ")
    for position in range(len(words) - 1, -1, -1):
        if len(words) <= 2 or keyword_words(words[position]):  # a word the keyword index would keep
            continue
        del words[position]
        if (text_tokens(" ".join(words)) or 0) <= max_tokens:
            return " ".join(words)
    while len(words) > 2 and (text_tokens(" ".join(words)) or 0) > max_tokens:
        words.pop()
    return " ".join(words)


def _query_embedding(text: str) -> np.ndarray | None:
    """The (1, 384) embedding of a question, from this process's cache or the model; None without one."""
    text = question_essence(text)
    with _query_cache_lock:
        cached = _query_cache.get(text)
        if cached is not None:
            _query_cache.move_to_end(text)
            return cached
    computed = text_embeddings([question_embedded_words(text)])
    if computed is None:
        return None
    with _query_cache_lock:
        _query_cache[text] = computed
        while len(_query_cache) > QUERY_CACHE_SIZE:
            _query_cache.popitem(last=False)
    return computed


def faq_question_embedded(text: str) -> bool:
    """Whether this process has the question's embedding already (nothing to prepare)."""
    with _query_cache_lock:
        return question_essence(text.strip()[:QUERY_MAX_CHARS]) in _query_cache
