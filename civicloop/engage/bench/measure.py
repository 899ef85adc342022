"""Timing the forums' busiest pages and the civility check.

The pages are timed in-process with Django's test client (server time: middleware, view, SQL,
template), as `bench pages` does; the civility check over the held-out texts, as
`civicloop moderation evaluate` measures it.
"""

import random
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

from civicloop.core.bench import _percentile, page_samples
from civicloop.engage.bench.load import LoadedForums
from civicloop.engage.models import Idea, ModerationState

TARGET_MS = 50.0
SEED = 2026


@dataclass(frozen=True)
class PageTiming:
    label: str
    url: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    queries: int
    size_bytes: int

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "queries": self.queries,
            "kib": round(self.size_bytes / 1024, 1),
            "met": self.p50_ms <= TARGET_MS,
        }


def forums_urls(loaded: LoadedForums, seed: int = SEED) -> dict[str, tuple[str, int | None]]:
    """(URL, the idea's comments or None) by page: the big question in two orders, two ideas' pages."""
    question = f"/ideas/{loaded.space_slug}/{loaded.big_question_slug}/"
    ideas = Idea.objects.filter(
        question__space__slug=loaded.space_slug, moderation_state=ModerationState.PUBLISHED
    ).order_by("id")
    busiest = ideas.order_by("-comments_count", "id").values_list("id", "comments_count").first()
    count = ideas.count()
    if busiest is None or count == 0:
        raise ValueError("no ideas loaded")
    chosen = ideas.values_list("id", "comments_count")[random.Random(seed).randrange(count)]
    return {
        "question": (question, None),  # the default order: fair rotation
        "question_newest": (f"{question}?sort=newest", None),
        "question_discussed": (f"{question}?sort=discussed", None),
        "idea_most_comments": (f"/ideas/{busiest[0]}/", busiest[1]),
        "idea_random": (f"/ideas/{chosen[0]}/", chosen[1]),
    }


def pages_measure(urls: dict[str, str], *, repeat: int) -> list[PageTiming]:
    """Server time of each URL through Django's full request/response cycle, with the test client.

    One untimed warm-up request per URL also counts its SQL queries; the timed requests run with
    DEBUG off and no query log. Every answer must be 200 with a body (BenchResponseError).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    client = Client()
    timings = []
    with override_settings(DEBUG=False):
        for label, url in urls.items():
            measured = page_samples(client, url, repeat=repeat)
            samples = measured.samples_ms
            timings.append(
                PageTiming(
                    label=label,
                    url=url,
                    p50_ms=_percentile(samples, 0.5),
                    p99_ms=_percentile(samples, 0.99),
                    max_ms=samples[-1],
                    queries=measured.queries,
                    size_bytes=measured.size_bytes,
                )
            )
    return timings


def civility_measure() -> dict[str, Any]:
    """The configured civility check over the held-out texts, as `civicloop moderation evaluate` times it:
    posts/s in batches, then one post at a time (p50, p99); the model is loaded first, untimed."""
    from civicloop.moderation.checks import DEFAULT_CHECK, civility_check
    from civicloop.moderation.evaluate import HELDOUT_SET, evaluate, read_labelled

    items = read_labelled(HELDOUT_SET)
    started = time.perf_counter()
    check = civility_check()
    check.check_many([items[0].text])  # loads the model and embeds the examples
    load_seconds = time.perf_counter() - started
    report = evaluate(check, items)
    return {
        "check": getattr(settings, "MODERATION_CHECK", DEFAULT_CHECK),
        "posts": report["posts"],
        "batch_size": report["batch_size"],
        "posts_per_second": report["posts_per_second"],
        "p50_ms": report["p50_ms"],
        "p99_ms": report["p99_ms"],
        "load_seconds": round(load_seconds, 1),
    }
