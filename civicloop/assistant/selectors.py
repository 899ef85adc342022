"""Reads for the assistant: the FAQ retriever (`faq_search`) and the reply it leads to (`faq_reply`)."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicloop.assistant.faq import (
    ExternalId,
    KeywordIndex,
    embeddings_from_bytes,
    external_id_decode,
    faq_embeddings,
    keyword_words,
    language_guess,
    text_embeddings,
    text_tokens,
)
from civicloop.assistant.models import AssistantMessage, Conversation, FaqEntry
from civicloop.core.errors import NotFound
from civicloop.core.memo import memo_forget_hook
from civicloop.core.sms import sms_fit, sms_max_segments, sms_segments

# ---------------------------------------------------------------------------------------------------------
# Calibration, tuned on tests/faq_paraphrases.json (residents' wording, and messages the FAQ cannot answer):
# see test_faq_accuracy.py, which prints the figures.
#
# Under multilingual-e5-small every text scores 0.78-0.90 with every entry, so the raw cosine says little.
# What tells an answer apart is how far the best entry stands above the text's typical score (the median
# over the entries and a few unrelated texts): 0.04 above is no better than chance (messages the FAQ
# cannot answer reach 0.02-0.06), 0.12 above is as sure as it gets. The keyword share (faq.KeywordIndex)
# is added to the cosine with a small weight: it breaks the embedder's near-ties ("warm" against "cool").
KEYWORD_BLEND = 0.04
LIFT_NO_CONFIDENCE = 0.04
LIFT_FULL_CONFIDENCE = 0.12
# Without the embedder, the keyword share alone: 0.6 of the message's words in one entry is an answer.
KEYWORD_SHARE_FULL_CONFIDENCE = 1.2
# A confident answer: its confidence and its lead over the next entry in its language. On the paraphrase
# set 97% of these answers were the right one (3 of 92 were not); the others get a menu.
ANSWER_CONFIDENCE = 0.5
ANSWER_LEAD = 0.1
# Below this nothing is offered: the resident is handed over to 311.
MENU_CONFIDENCE = 0.25
# A menu item must be at least this plausible; the menu shows up to MENU_SIZE items.
MENU_ITEM_CONFIDENCE = 0.1
MENU_SIZE = 3
# Entries in the conversation's language come first unless another language's entry is clearly better.
LANGUAGE_PREFERENCE = 0.15
# Two entries in different languages at least this close by meaning may be one entry's translations.
TRANSLATION_SIMILARITY = 0.85
FAQ_SEARCH_LIMIT = 5
QUERY_MAX_CHARS = 500  # a long text is cut: its start says what it is about
# The embedder's time grows with a question's tokens (one thread on this 2-CPU machine: 9 tokens 15 ms,
# 19 tokens 29 ms, 6 of them the prefix and markers): longer questions lose filler words from the end,
# then their last words, while their keywords still count in full. On the paraphrase set (a third of it
# longer) top-1 was unchanged and top-3 lost one English question; at 10 answers turned into menus.
QUERY_MAX_TOKENS = 14
# Unrelated texts scored with every message: with few entries the typical score is still meaningful.
TYPICAL_SCORE_TEXTS = (
    "Longer opening hours at the library",
    "More street lights in the alley",
    "Free concerts in the park in summer",
    "Más contenedores de reciclaje",
    "Más clases de inglés para adultos",
    "Cheaper parking permits for residents",
)


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


FaqReplyKind = Literal["answer", "menu", "none"]


@dataclass(frozen=True)
class FaqReply:
    """What the assistant texts back for a question, and what it was based on.

    kind "answer": `text` is the entry's answer within the budget, with a link to the whole entry.
    kind "menu": `text` offers the `menu` entries by number; store `menu_ids` with the conversation and
    answer a later "2" with `faq_entry_reply(external_id=menu_ids[1], ...)`.
    kind "none": `text` hands the resident over to 311.
    `confidence` is the best match's, whatever the kind.
    """

    kind: FaqReplyKind
    text: str
    confidence: float
    entry: FaqMatch | None = None
    menu: list[FaqMatch] = field(default_factory=list)

    @property
    def answer_id(self) -> ExternalId | None:
        """The answered entry's id as imported (an int stays an int), or None when nothing was answered."""
        return self.entry.imported_id if self.entry else None

    @property
    def menu_ids(self) -> list[str]:
        """The menu's entries in order, as stored (FaqEntry.external_id): strings for the conversation."""
        return [match.external_id for match in self.menu]


# ---------------------------------------------------------------------------------------------------------
# The index: loaded once per process, reloaded when the entries change


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


def faq_query_cache_forget() -> None:
    """Drop this process's cached question embeddings (each next question is embedded again)."""
    with _query_cache_lock:
        _query_cache.clear()


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


_typical: list[np.ndarray] = []  # computed once per process, when the embedder first works


def _typical_score_embeddings() -> np.ndarray | None:
    if not _typical:
        computed = text_embeddings(TYPICAL_SCORE_TEXTS)
        if computed is None:
            return None
        _typical.append(computed)
    return _typical[0]


# Residents ask the same questions in the same words ("when is garbage pickup"): each process keeps the
# embeddings of the latest distinct questions (in memory only) instead of running the model again.
QUERY_CACHE_SIZE = 4096
_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_query_cache_lock = threading.Lock()


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
    the cache below); fewer words also embed faster.
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


def faq_question_prepare(text: str) -> None:
    """Embed a question ahead of answering it (outside any transaction: the model is the slow part)."""
    text = text.strip()[:QUERY_MAX_CHARS]
    if text and _faq_index().embeddings is not None:
        _query_embedding(text)


def _confidences(index: _FaqIndex, text: str) -> np.ndarray:
    """Every entry's confidence that it answers `text`, in [0, 1] (see the calibration above)."""
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


# ---------------------------------------------------------------------------------------------------------
# Replies


def faq_entry_url(external_id: str) -> str:
    """The public page of an entry (full text), absolute: it goes into text messages."""
    return f"{settings.SITE_URL}{reverse('assistant:faq-entry', args=[external_id])}"


def _answer_text(match: FaqMatch, budget_segments: int) -> str:
    return sms_fit(match.answer, link=faq_entry_url(match.external_id), max_segments=budget_segments)


def _shorten(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width - 3)
    return text[: cut if cut > 0 else width - 3].rstrip(" ,;:-¿?") + "..."


def _menu_text(menu: list[FaqMatch], budget_segments: int) -> str:
    footer = [_("Reply 1."), _("Reply 1 or 2."), _("Reply 1, 2 or 3.")][len(menu) - 1]
    header = _("Did you mean one of these?")
    for width in (200, 80, 60, 48, 40, 32, 24, 16):
        lines = [f"{number} {_shorten(match.question, width)}" for number, match in enumerate(menu, start=1)]
        text = "\n".join([header, *lines, footer])
        if sms_segments(text).segments <= budget_segments:
            return text
    return sms_fit(text, max_segments=budget_segments)


def _hand_over_text(budget_segments: int) -> str:
    url = f"{settings.SITE_URL}{reverse('requests:choose')}"
    return sms_fit(
        _("I don't have an answer to that. Call 311 or visit %(url)s") % {"url": url},
        max_segments=budget_segments,
    )


def _menu(matches: list[FaqMatch], language: str) -> list[FaqMatch]:
    plausible = [match for match in matches if match.confidence >= MENU_ITEM_CONFIDENCE]
    # The same entry in two languages is one choice: other languages only when the conversation's has none.
    own = [match for match in plausible if match.language == language]
    return (own or plausible)[:MENU_SIZE]


def faq_reply(text: str, *, language: str | None, budget_segments: int | None = None) -> FaqReply:
    """Decide what to text back to a question: the answer, a menu of likely entries, or a hand-over to 311.

    - "answer" when the best entry's confidence is at least ANSWER_CONFIDENCE and ANSWER_LEAD above the
      next entry in its language: the answer cut to `budget_segments` SMS parts, with a link to its page;
    - "menu" when it is at least MENU_CONFIDENCE: up to MENU_SIZE numbered questions, "Reply 1, 2 or 3";
    - "none" otherwise: "Call 311 or visit <SITE_URL>/requests/new/".
    The reply's own words are in `language` (None: guessed from the text, else the site's language); an
    entry's text is in the entry's language. Always within `budget_segments` parts (default
    settings.SMS_MAX_SEGMENTS), unless a link alone is longer.
    """
    language = language or language_guess(text) or settings.LANGUAGE_CODE
    budget_segments = budget_segments or sms_max_segments()
    matches = faq_search(text, language=language)
    best = matches[0] if matches else None
    confidence = best.confidence if best else 0.0
    with translation.override(language):
        if best is None or confidence < MENU_CONFIDENCE:
            return FaqReply(kind="none", text=_hand_over_text(budget_segments), confidence=confidence)
        runner_up = next((match for match in matches[1:] if match.language == best.language), None)
        lead = confidence - (runner_up.confidence if runner_up else 0.0)
        if confidence >= ANSWER_CONFIDENCE and lead >= ANSWER_LEAD:
            return FaqReply(
                kind="answer", text=_answer_text(best, budget_segments), confidence=confidence, entry=best
            )
        menu = _menu(matches, language)
        return FaqReply(kind="menu", text=_menu_text(menu, budget_segments), confidence=confidence, menu=menu)


def faq_entry_reply(*, external_id: str, budget_segments: int | None = None) -> FaqReply:
    """The answer to an entry the resident chose from a menu (its stored id, from `FaqReply.menu_ids`).

    Raises NotFound when the entry has been removed since the menu was sent.
    """
    row = FaqEntry.objects.filter(external_id=external_id).values_list(
        "pk", "external_id", "question", "answer", "language"
    )
    found = row.first()
    if found is None:
        raise NotFound(_("That answer is no longer available."))
    match = _match(found, 1.0)
    text = _answer_text(match, budget_segments or sms_max_segments())
    return FaqReply(kind="answer", text=text, confidence=1.0, entry=match)


def faq_menu_pick(menu_ids: list[str], choice: str, *, budget_segments: int | None = None) -> str | None:
    """The answer text for "2" after a menu (`FaqReply.menu_ids`), or None when the number is not on it
    or its entry has been removed since."""
    choice = choice.strip()
    if not re.fullmatch(r"[0-9]{1,2}", choice) or not 1 <= int(choice) <= len(menu_ids):
        return None
    try:
        return faq_entry_reply(
            external_id=str(menu_ids[int(choice) - 1]), budget_segments=budget_segments
        ).text
    except NotFound:
        return None


def faq_entry_public(*, external_id: str) -> FaqEntry:
    """One entry for its public page; NotFound when there is none with this id."""
    entry = (
        FaqEntry.objects.select_related("topic", "service")
        .defer("embedding")
        .filter(external_id=external_id)
        .first()
    )
    if entry is None:
        raise NotFound(_("There is no such question."))
    return entry


def web_conversation_messages(web_key: str, *, limit: int) -> list[AssistantMessage]:
    """A web visitor's latest messages, oldest first (one query)."""
    latest = AssistantMessage.objects.filter(
        conversation__channel=Conversation.Channel.WEB, conversation__web_key=web_key
    ).order_by("-created_at", "-id")[:limit]
    return list(reversed(list(latest.only("direction", "body", "created_at", "sent_by_id"))))


def web_conversation_taken_over(web_key: str) -> bool:
    """Whether a person on the city's staff is answering this web visitor now (not the assistant)."""
    return Conversation.objects.filter(
        channel=Conversation.Channel.WEB, web_key=web_key, taken_over_by__isnull=False
    ).exists()


# ---------------------------------------------------------------------------------------------------------
# The staff console


def faq_entry_staff_list(*, text: str = "", language: str = "", topic: str = "") -> QuerySet[FaqEntry]:
    """Entries for the staff list, most recently changed first, with their topic and service (no N+1).

    `text` is found in the question, the answer or the id; `language` is a code, `topic` a topic slug
    (empty: any). The embedding is left out: the list never shows it.
    """
    entries = FaqEntry.objects.select_related("topic", "service").defer("embedding")
    text = text.strip()
    if text:
        entries = entries.filter(
            Q(question__icontains=text) | Q(answer__icontains=text) | Q(external_id__icontains=text)
        )
    if language:
        entries = entries.filter(language=language)
    if topic:
        entries = entries.filter(topic__slug=topic)
    return entries.order_by("-updated_at", "-pk")


def faq_entry_for_staff(*, entry_id: int) -> FaqEntry:
    """One entry to edit or delete in the staff console; NotFound when there is none."""
    entry = FaqEntry.objects.select_related("topic", "service").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no such question."))
    return entry
