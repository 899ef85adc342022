"""Measure a civility check on a labelled set: recall per class, civil false positives, speed.

The held-out set (tests/data/heldout.tsv: label, lang, text) shares no sentence with examples.py.
Reproduce: `civicloop moderation evaluate` (or `--file PATH` for another set in the same format).
"""

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from civicloop.moderation.checks import (
    REASON_PERSONAL_DATA,
    REASON_THREAT,
    CivilityCheck,
    CivilityVerdict,
)

HELDOUT_SET = Path(__file__).resolve().parent / "tests" / "data" / "heldout.tsv"
LABELS = ("civil", "uncivil", "threat", "personal_data")
THROUGHPUT_BATCH = 32


@dataclass(frozen=True)
class LabelledText:
    label: str
    language: str
    text: str


def read_labelled(path: Path = HELDOUT_SET) -> list[LabelledText]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    found = [LabelledText(row["label"], row["lang"], row["text"]) for row in rows]
    unknown = {item.label for item in found} - set(LABELS)
    if unknown:
        raise ValueError(f"Unknown labels in {path}: {sorted(unknown)}")
    return found


def caught(item: LabelledText, verdict: CivilityVerdict) -> bool:
    """A hit for the item's class: threats must reach the urgent queue, personal data must be named."""
    if item.label == "threat":
        return REASON_THREAT in verdict.reasons
    if item.label == "personal_data":
        return REASON_PERSONAL_DATA in verdict.reasons
    return verdict.held


def _rate(hits: Sequence[bool]) -> float | None:
    return round(sum(hits) / len(hits), 3) if hits else None


def evaluate(check: CivilityCheck, items: Sequence[LabelledText]) -> dict[str, Any]:
    """Run `check` over `items`; returns recall per class, civil false-positive rate, posts/s and p99 ms."""
    texts = [item.text for item in items]
    check.check_many(texts[:1])  # load the model outside the timings

    started = time.perf_counter()
    verdicts: list[CivilityVerdict] = []
    for start in range(0, len(texts), THROUGHPUT_BATCH):
        verdicts.extend(check.check_many(texts[start : start + THROUGHPUT_BATCH]))
    elapsed = time.perf_counter() - started

    latencies_ms = []
    for text in texts:  # one post at a time, as a web request would check it
        one_started = time.perf_counter()
        check.check_many([text])
        latencies_ms.append((time.perf_counter() - one_started) * 1000)

    report: dict[str, Any] = {"posts": len(items)}
    by_language: dict[str, dict[str, float | None]] = {}
    for language in sorted({item.language for item in items}):
        pairs = [
            (item, verdict)
            for item, verdict in zip(items, verdicts, strict=True)
            if item.language == language
        ]
        by_language[language] = _figures(pairs)
    report.update(_figures(list(zip(items, verdicts, strict=True))))
    report["by_language"] = by_language
    report["posts_per_second"] = round(len(texts) / elapsed, 1) if elapsed else None
    report["batch_size"] = THROUGHPUT_BATCH
    report["p50_ms"] = round(float(np.percentile(latencies_ms, 50)), 1) if latencies_ms else None
    report["p99_ms"] = round(float(np.percentile(latencies_ms, 99)), 1) if latencies_ms else None
    return report


def _figures(pairs: Sequence[tuple[LabelledText, CivilityVerdict]]) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    for label in LABELS[1:]:
        figures[f"recall_{label}"] = _rate(
            [caught(item, verdict) for item, verdict in pairs if item.label == label]
        )
    figures["civil_false_positive_rate"] = _rate(
        [verdict.held for item, verdict in pairs if item.label == "civil"]
    )
    # Non-threats sent to the urgent queue: they cost a moderator's immediate attention.
    figures["threat_false_alarm_rate"] = _rate(
        [REASON_THREAT in verdict.reasons for item, verdict in pairs if item.label != "threat"]
    )
    return figures
