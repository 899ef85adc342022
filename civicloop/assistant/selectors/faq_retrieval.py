"""The FAQ retriever: the entries most likely to answer a resident's text, each with a confidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from civicloop.assistant.faq import ExternalId, external_id_decode, text_embeddings
from civicloop.assistant.selectors.faq_calibration import (
    FAQ_SEARCH_LIMIT,
    KEYWORD_BLEND,
    KEYWORD_SHARE_FULL_CONFIDENCE,
    LANGUAGE_PREFERENCE,
    LIFT_FULL_CONFIDENCE,
    LIFT_NO_CONFIDENCE,
    QUERY_MAX_CHARS,
    TRANSLATION_SIMILARITY,
    TYPICAL_SCORE_TEXTS,
)
from civicloop.assistant.selectors.faq_index import _faq_index, _FaqIndex
from civicloop.assistant.selectors.faq_questions import _query_embedding


@dataclass(frozen=True)
class FaqMatch:
    """An entry found for a message: `confidence` in [0, 1] that it answers it."""

    pk: int
    external_id: str  # stored form (FaqEntry.external_id); `imported_id` is the id as imported
    question: str
    answer: str
    language: str
    confidence: float

    @property
    def imported_id(self) -> ExternalId:
        return external_id_decode(self.external_id)


_typical: list[np.ndarray] = []  # computed once per process, when the embedder first works


def _typical_score_embeddings() -> np.ndarray | None:
    if not _typical:
        computed = text_embeddings(TYPICAL_SCORE_TEXTS)
        if computed is None:
            return None
        _typical.append(computed)
    return _typical[0]


def faq_question_prepare(text: str) -> None:
    """Embed a question ahead of answering it (outside any transaction: the model is the slow part)."""
    text = text.strip()[:QUERY_MAX_CHARS]
    if text and _faq_index().embeddings is not None:
        _query_embedding(text)


def _confidences(index: _FaqIndex, text: str) -> np.ndarray:
    """Every entry's confidence that it answers `text`, in [0, 1] (see faq_calibration)."""
    keyword_share = index.keywords.scores(text)
    query = _query_embedding(text) if index.embeddings is not None else None
    baseline = _typical_score_embeddings() if query is not None else None
    if query is None or baseline is None:
        return np.clip(keyword_share / KEYWORD_SHARE_FULL_CONFIDENCE, 0.0, 1.0)
    fused = index.embeddings @ query[0] + KEYWORD_BLEND * keyword_share
    typical = float(np.median(np.concatenate([fused, baseline @ query[0]])))
    lift = fused - typical
    return np.clip((lift - LIFT_NO_CONFIDENCE) / (LIFT_FULL_CONFIDENCE - LIFT_NO_CONFIDENCE), 0.0, 1.0)


def _counterpart(index: _FaqIndex, position: int, language: str) -> int | None:
    """The same entry in `language`: each is the other's closest entry by meaning across the two languages.

    There is no field linking translations; on the demo city's FAQ every translation was its original's
    closest entry in the other language (0.86-0.95 cosine, other entries up to 0.91), both ways.
    """
    assert index.embeddings is not None
    wanted = np.flatnonzero(index.languages == language)
    if not wanted.size:
        return None
    candidate = int(wanted[np.argmax(index.embeddings[wanted] @ index.embeddings[position])])
    others = np.flatnonzero(index.languages == index.languages[position])
    mutual = int(others[np.argmax(index.embeddings[others] @ index.embeddings[candidate])]) == position
    similar = float(index.embeddings[candidate] @ index.embeddings[position]) >= TRANSLATION_SIMILARITY
    return candidate if mutual and similar else None


def _match(row: tuple[int, str, str, str, str], confidence: float) -> FaqMatch:
    pk, external_id, question, answer, language = row
    return FaqMatch(pk, external_id, question, answer, language, confidence=round(confidence, 4))


def faq_search(text: str, *, language: str | None, limit: int = FAQ_SEARCH_LIMIT) -> list[FaqMatch]:
    """The entries most likely to answer `text`, best first, each with a confidence in [0, 1].

    By meaning (the stored embeddings, one numpy product) blended with keywords; by keywords alone
    (accents folded, misspellings tolerated) when the embedder cannot run here. Entries in `language`
    come first unless another language's entry is clearly better (None: no preference); when the best
    is in another language, its translation in `language` (see `_counterpart`), if any, takes its place.
    One query when the entries have not changed since the last search in this process.
    """
    text = text.strip()[:QUERY_MAX_CHARS]
    index = _faq_index()
    if not text or not index.rows:
        return []
    confidences = _confidences(index, text)
    if not language:
        ranking = confidences
    else:
        ranking = confidences + LANGUAGE_PREFERENCE * (index.languages == language)
        top = int(np.argmax(ranking))
        if index.languages[top] != language and index.embeddings is not None:
            translated = _counterpart(index, top, language)
            if translated is not None:
                # The same answer: as sure. (By itself it scores lower: E5 rates any text closer to texts in
                # its own language.)
                confidences[translated] = max(confidences[translated], confidences[top])
                ranking = confidences + LANGUAGE_PREFERENCE * (index.languages == language)
    best = np.argsort(-ranking, kind="stable")[:limit]
    return [_match(index.rows[position], float(confidences[position])) for position in best]
