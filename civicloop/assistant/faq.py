"""Pure helpers for the FAQ knowledge base (no database): imported ids, what is embedded, keyword matching.

Used by the knowledge services (writes), the FAQ selectors (reads) and `civicloop assistant`.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import rapidfuzz

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------
# Imported ids

EXTERNAL_ID_MAX_LENGTH = 100  # FaqEntry.external_id
_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")

ExternalId = int | str


def external_id_encode(value: object) -> str:
    """The stored form of an imported id, so `external_id_decode` gives back the same JSON value.

    The rules: an integer is stored as its decimal digits (12 -> "12"); a string is stored as it is
    ("garbage-day-en" -> "garbage-day-en"), unless it would read back as something else, that is when it
    looks like a canonical integer or starts with a double quote: then it is stored JSON-quoted
    ("12" -> '"12"'). Raises ValueError for anything else (booleans, floats, null, empty strings).
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("an id must be a string or an integer")
    if isinstance(value, int):
        stored = str(value)
    elif not value.strip():
        raise ValueError("an id must not be empty")
    elif _CANONICAL_INT.fullmatch(value) or value.startswith('"'):
        stored = json.dumps(value, ensure_ascii=False)
    else:
        stored = value
    if len(stored) > EXTERNAL_ID_MAX_LENGTH:
        raise ValueError(f"an id must be at most {EXTERNAL_ID_MAX_LENGTH} characters")
    return stored


def external_id_decode(stored: str) -> ExternalId:
    """The imported id (an int or a str) from its stored form; see `external_id_encode`."""
    if _CANONICAL_INT.fullmatch(stored):
        return int(stored)
    if stored.startswith('"'):
        try:
            decoded = json.loads(stored)
        except ValueError:
            return stored  # typed in the admin by hand: taken as it is
        if isinstance(decoded, str):
            return decoded
    return stored


# ---------------------------------------------------------------------------------------------------------
# What is embedded


def faq_embedding_text(question: str, answer: str) -> str:
    """The text whose embedding is stored for an entry: the question followed by its answer.

    On the paraphrase set (assistant/tests/faq_paraphrases.json) question+answer found the right entry
    first far more often than the question alone (Spanish 0.91 against 0.74): residents write the words
    of the answer ("trash", "alley", "la grúa"), which a short question rarely has.
    """
    return f"{question.strip()}\n{answer.strip()}"


EMBEDDING_DTYPE = np.float16  # as ideas' embeddings: 768 bytes a row, precise enough for a cosine


EMBEDDING_SIZE = 384


def embedding_to_bytes(embedding: np.ndarray | None) -> bytes | None:
    return None if embedding is None else np.asarray(embedding).astype(EMBEDDING_DTYPE).tobytes()


def embeddings_from_bytes(stored: Sequence[bytes | memoryview]) -> np.ndarray:
    """Stored embeddings as one (n, 384) float32 matrix."""
    joined = b"".join(bytes(raw) for raw in stored)
    return (
        np.frombuffer(joined, dtype=EMBEDDING_DTYPE).reshape(len(stored), EMBEDDING_SIZE).astype(np.float32)
    )


def text_embeddings(texts: Sequence[str]) -> np.ndarray | None:
    """`moderation.checks.text_embed` in one call, or None when the embedder cannot run here (logged)."""
    if not texts:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
    from civicloop.moderation.checks import text_embed  # local: loads the model only when used

    try:
        return text_embed(list(texts))
    except (ImportError, OSError, RuntimeError):  # no model on this machine: the FAQ is searched by keywords
        logger.warning(
            "The text embedder is unavailable; the FAQ is matched by keywords only.", exc_info=True
        )
        return None


def text_tokens(text: str) -> int | None:
    """The embedder's token count for `text`, or None when the embedder cannot run here."""
    from civicloop.moderation.checks import text_tokens as model_tokens  # local: loads the model when used

    try:
        return model_tokens(text)
    except (ImportError, OSError, RuntimeError):  # logged by text_embeddings, which fails the same way
        return None


def faq_embeddings(pairs: Sequence[tuple[str, str]]) -> np.ndarray | None:
    """The embeddings of (question, answer) pairs in one call, or None when the embedder cannot run here."""
    return text_embeddings([faq_embedding_text(question, answer) for question, answer in pairs])


# ---------------------------------------------------------------------------------------------------------
# Words


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that say nothing about which answer is wanted (accents folded, as `text_fold` leaves them).
STOP_WORDS = _word_set(
    """
    a about am an and any are as at be been but by can could did do does dont for from get got had has have
    hello hey hi how i if im in is it its just me my need no not of ok on or our please r so some still
    that the their them there they this to u us was we were what whats when where which who why will with
    would yes you your ur pls plz wanna gonna
    al como con cual cuando de del donde el ella en es esta estan este esto hay la las le les lo los me mi
    mis muy nada ni no o para pero por porque q que quien se si sin su sus te tengo ti tu tus un una unas
    uno unos y ya yo usted ustedes puedo puede hola favor quiero necesito nesesito
    """
)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STEM_LENGTH = 5  # words match by their first five letters: "recycling" ~ "recycle", "licencia" ~ "license"
# A word no entry uses matches the closest word one does when this close (difflib ratio): "recyling",
# "matress", "tiket", "librery", "stikker" find their word; "paris" does not become "parks".
FUZZY_CUTOFF = 0.85
FUZZY_MIN_LENGTH = 4
FUZZY_MEMO_SIZE = 50_000  # words, per index (an index lives until the entries change)


def text_fold(text: str) -> str:
    """Lowercase, accents removed ("Basura recogida" -> "basura recogida", "niño" -> "nino")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def keyword_words(text: str) -> list[str]:
    """The text's meaningful words, folded ("wi-fi" -> "wifi", "don't" -> "dont"), in order."""
    words = (word.replace("-", "") for word in _WORD.findall(text_fold(text).replace("'", "")))
    return [word for word in words if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())]


def word_stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM_LENGTH]


def keyword_terms(text: str) -> list[str]:
    """The stems of the text's meaningful words, in order (duplicates kept)."""
    return [word_stem(word) for word in keyword_words(text)]


_SPANISH_HINTS = _word_set(
    "el la los las de del que como cuando donde quien es esta hay mi mis por para con sin una uno se tengo "
    "puedo necesito quiero hola gracias basura calle carro agua luz"
)
_ENGLISH_HINTS = _word_set(
    "the is are my how when where who what do does can i you to of for with have need want hi thanks street "
    "car water light trash garbage"
)


def language_guess(text: str) -> str | None:
    """ "es" or "en" from a few common words and Spanish letters, or None when the text does not say."""
    words = re.findall(r"[a-z]+", text_fold(text))
    spanish = sum(word in _SPANISH_HINTS for word in words) + 2 * sum(
        char in "ñ¿¡áéíóú" for char in text.lower()
    )
    english = sum(word in _ENGLISH_HINTS for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return None


# ---------------------------------------------------------------------------------------------------------
# Keyword matching (the fallback, and a tie-breaker for the embedder)

ANSWER_WORD_WEIGHT = 0.5  # a word found only in the answer counts half as much as one in the question
# A word no entry uses still counts against the match, at this share of an average word's weight: in
# "how much is bitcoin" the one known word "much" is not the whole question.
UNKNOWN_WORD_WEIGHT = 0.5


@dataclass
class KeywordIndex:
    """Which entries use which word stems, weighted by how rare each stem is (inverse document frequency).

    `scores(text)` gives each entry the weighted share of the text's words it contains, in [0, 1]: a stem
    in the entry's question counts fully, one only in its answer ANSWER_WORD_WEIGHT; a misspelt word counts
    as the closest word an entry uses (difflib), scaled by how close, and two words may make one ("pot
    hole"); a word no entry uses counts against every entry.
    """

    size: int
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # stem -> (entry indexes, weight in each entry)
    idf: dict[str, float]
    words: dict[str, str]  # every word the entries use -> its stem
    unknown_weight: float
    # A resident's unknown word -> its closest known stem: difflib is the slow part, and words recur.
    fuzzy_memo: dict[str, tuple[str, float] | None] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, documents: Sequence[tuple[str, str]]) -> KeywordIndex:
        """Index (question, answer) pairs: entry i of `scores` is documents[i]."""
        weights: dict[str, dict[int, float]] = defaultdict(dict)
        words: dict[str, str] = {}
        for index, (question, answer) in enumerate(documents):
            for weight, text in ((ANSWER_WORD_WEIGHT, answer), (1.0, question)):
                for word in keyword_words(text):
                    stem = words.setdefault(word, word_stem(word))
                    weights[stem][index] = weight
        size = len(documents)
        postings = {
            stem: (
                np.fromiter(per_entry.keys(), dtype=np.int64, count=len(per_entry)),
                np.fromiter(per_entry.values(), dtype=np.float32, count=len(per_entry)),
            )
            for stem, per_entry in weights.items()
        }
        idf = {stem: math.log(1 + size / len(per_entry)) for stem, per_entry in weights.items()}
        average = sum(idf.values()) / len(idf) if idf else 1.0
        return cls(
            size=size, postings=postings, idf=idf, words=words, unknown_weight=UNKNOWN_WORD_WEIGHT * average
        )

    def _stem_of(self, word: str) -> tuple[str, float] | None:
        """The known stem a resident's word stands for, and how sure that is (1: spelt as in an entry)."""
        stem = word_stem(word)
        if stem in self.postings:
            return stem, 1.0
        if len(word) < FUZZY_MIN_LENGTH:
            return None
        if word in self.fuzzy_memo:
            return self.fuzzy_memo[word]
        # rapidfuzz's ratio (by longest common subsequence) is never below difflib's for the same pair, so
        # its shortlist holds every word difflib would accept: difflib then picks among a few, not all.
        shortlist = [
            known
            for known, _score, _index in rapidfuzz.process.extract(
                word,
                self.words.keys(),
                scorer=rapidfuzz.fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF * 100 - 1e-6,
                limit=None,
            )
        ]
        close = difflib.get_close_matches(word, shortlist, n=1, cutoff=FUZZY_CUTOFF)
        found = (
            (self.words[close[0]], difflib.SequenceMatcher(None, word, close[0]).ratio()) if close else None
        )
        if len(self.fuzzy_memo) < FUZZY_MEMO_SIZE:
            self.fuzzy_memo[word] = found
        return found

    def _resident_stems(self, text: str) -> list[tuple[str | None, float]]:
        words = keyword_words(text)
        found: list[tuple[str | None, float]] = []
        position = 0
        while position < len(words):
            known = self._stem_of(words[position])
            if known is None and position + 1 < len(words):  # "pot hole", "street light"
                joined = self._stem_of(words[position] + words[position + 1])
                if joined is not None:
                    found.append(joined)
                    position += 2
                    continue
            found.append(known or (None, 0.0))
            position += 1
        return found

    def scores(self, text: str) -> np.ndarray:
        totals = np.zeros(self.size, dtype=np.float32)
        possible = 0.0
        seen: set[str] = set()
        for stem, closeness in self._resident_stems(text):
            if stem is None:
                possible += self.unknown_weight
                continue
            if stem in seen:
                continue
            seen.add(stem)
            weight = self.idf[stem] * closeness
            possible += weight
            entries, in_entry = self.postings[stem]
            np.add.at(totals, entries, in_entry * weight)
        return totals / possible if possible else totals
