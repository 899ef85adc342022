"""FAQ retrieval timed in the bench's own process: `faq_reply` on residents' questions, new and repeated."""

import random
import time
from typing import Any

from civicloop.assistant.bench.plan import SEED
from civicloop.assistant.bench.texts import _faq_text
from civicloop.assistant.selectors import faq_query_cache_forget, faq_reply
from civicloop.core.bench import _percentile


def faq_retrieval_measure(queries: int, *, warmup: int = 20, seed: int = SEED) -> dict[str, Any]:
    """`faq_reply` (embedding the question, the search, the reply) on `queries` residents' questions,
    after `warmup` untimed ones (the index read, the model loaded once): p50 and p99 in ms.

    Each question is timed twice: as a question this process has never seen (its embedding cache
    emptied first: the model runs, the figure the target is about) and again right after, as a
    repeated question is answered (from the cache).
    """
    rng = random.Random(seed)
    for _ in range(warmup):
        faq_reply(_faq_text(rng), language=None)
    new, repeated = [], []
    for _ in range(queries):
        text = _faq_text(rng)
        faq_query_cache_forget()
        started = time.perf_counter()
        faq_reply(text, language=None)
        new.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        faq_reply(text, language=None)
        repeated.append((time.perf_counter() - started) * 1000)
    new.sort()
    repeated.sort()
    return {
        "faq_retrieval_p50_ms": round(_percentile(new, 0.5), 2),
        "faq_retrieval_p99_ms": round(_percentile(new, 0.99), 2),
        "faq_retrieval_repeated_p50_ms": round(_percentile(repeated, 0.5), 2),
        "faq_retrieval_repeated_p99_ms": round(_percentile(repeated, 0.99), 2),
        "faq_queries": queries,
    }
