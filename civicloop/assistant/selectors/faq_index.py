"""The FAQ index: the entries, their embeddings and keywords, loaded once per process and reloaded when the
entries change. The index and its freshness live here and only here."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Max

from civicloop.assistant.faq import KeywordIndex, embeddings_from_bytes, faq_embeddings
from civicloop.assistant.models import FaqEntry
from civicloop.assistant.selectors.faq_questions import faq_query_cache_forget
from civicloop.core.memo import memo_forget_hook


@dataclass(frozen=True)
class _FaqIndex:
    version: tuple[Any, ...]
    rows: list[tuple[int, str, str, str, str]]  # pk, external_id, question, answer, language
    languages: np.ndarray
    embeddings: np.ndarray | None  # (n, 384), or None where the embedder cannot run
    keywords: KeywordIndex


_index: _FaqIndex | None = None
_index_lock = threading.Lock()


# How long this process answers from its index before it checks the entries again (one small query):
# a change made in this process is seen at once (the knowledge services forget the index).
FAQ_INDEX_RECHECK_SECONDS = 2.0
_index_checked_at = 0.0


@memo_forget_hook
def faq_index_forget() -> None:
    """Drop this process's index (the knowledge services call it after every write)."""
    global _index
    with _index_lock:
        _index = None
    faq_query_cache_forget()


def _faq_index() -> _FaqIndex:
    """The index for the entries as they are now: one query when nothing changed, two when something did."""
    global _index, _index_checked_at
    current = _index
    if current is not None and time.monotonic() - _index_checked_at < FAQ_INDEX_RECHECK_SECONDS:
        return current
    state = FaqEntry.objects.aggregate(count=Count("pk"), changed=Max("updated_at"), last=Max("pk"))
    version = (state["count"], state["changed"], state["last"])
    _index_checked_at = time.monotonic()
    if current is not None and current.version == version:
        return current
    with _index_lock:
        if _index is not None and _index.version == version:
            return _index
        rows = list(
            FaqEntry.objects.order_by("pk").values_list(
                "pk", "external_id", "question", "answer", "language", "embedding"
            )
        )
        _index = _FaqIndex(
            version=version,
            rows=[row[:5] for row in rows],
            languages=np.array([row[4] for row in rows], dtype=object),
            embeddings=_stored_embeddings(rows),
            keywords=KeywordIndex.build([(row[2], row[3]) for row in rows]),
        )
        return _index


def _stored_embeddings(rows: list[tuple[Any, ...]]) -> np.ndarray | None:
    """Every entry's embedding; any saved while the embedder was unavailable is computed here (not stored)."""
    missing = [index for index, row in enumerate(rows) if row[5] is None]
    present = [index for index, row in enumerate(rows) if row[5] is not None]
    matrix = np.zeros((len(rows), 384), dtype=np.float32)
    if present:
        matrix[present] = embeddings_from_bytes([rows[index][5] for index in present])
    if missing:
        computed = faq_embeddings([(rows[index][2], rows[index][3]) for index in missing])
        if computed is None:
            return None  # some entries could not be compared by meaning: keywords for all, fairly
        matrix[missing] = computed
    return matrix
