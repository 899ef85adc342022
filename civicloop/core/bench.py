"""Benchmark helpers any app's suite uses: time pages in-process (no network) and report the figures.

The functions here work on whatever database is current; the `bench` command (civicloop/bench) runs the
suites in a throwaway test database so the demo data is never touched, and the tests call them directly.
Each app's content loader lives beside the app (announcements/bench.py for `bench pages`).
"""

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings


@dataclass(frozen=True)
class Timing:
    label: str
    url: str
    median_ms: float
    p90_ms: float
    max_ms: float
    queries: int
    size_bytes: int
    target_ms: float | None

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return "-"
        return "PASS" if self.median_ms <= self.target_ms else "FAIL"


class BenchResponseError(Exception):
    """A benchmarked page did not answer 200 with a body: the figures would be meaningless."""


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _get(client: Client, url: str) -> int:
    response = client.get(url)
    if response.status_code != 200 or not response.content:
        raise BenchResponseError(
            f"GET {url} answered {response.status_code} with {len(response.content)} bytes"
        )
    return len(response.content)


@dataclass(frozen=True)
class PageSamples:
    size_bytes: int
    queries: int
    samples_ms: list[float]  # sorted, fastest first


def page_samples(client: Client, url: str, *, repeat: int) -> PageSamples:
    """One untimed warm-up GET that counts the page's SQL queries, then `repeat` timed GETs with no
    query log (call with DEBUG off), so recording SQL costs nothing while timing."""
    # Start from an empty log: a full one (DEBUG on) would hide new entries from the slice.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        size = _get(client, url)
    queries = len(captured.captured_queries)  # read before the log is cleared below
    connection.force_debug_cursor = False
    reset_queries()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        _get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return PageSamples(size_bytes=size, queries=queries, samples_ms=sorted(samples))


def measure(urls: Sequence[tuple[str, str, float | None]], *, repeat: int) -> list[Timing]:
    """Server time of each URL through Django's full request/response cycle, with the test client.

    One untimed warm-up request per URL also counts its SQL queries; the timed requests run with
    DEBUG off and no query log, so recording SQL costs nothing while timing.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    client = Client()
    timings = []
    with override_settings(DEBUG=False):
        for label, url, target in urls:
            measured = page_samples(client, url, repeat=repeat)
            samples = measured.samples_ms
            timings.append(
                Timing(
                    label=label,
                    url=url,
                    median_ms=statistics.median(samples),
                    p90_ms=_percentile(samples, 0.9),
                    max_ms=samples[-1],
                    queries=measured.queries,
                    size_bytes=measured.size_bytes,
                    target_ms=target,
                )
            )
    return timings


def format_table(timings: Sequence[Timing]) -> str:
    """A plain-text table: one row per URL."""
    header = ("page", "median ms", "p90 ms", "max ms", "queries", "KiB", "target", "result", "URL")
    rows = [header]
    for t in timings:
        rows.append(
            (
                t.label,
                f"{t.median_ms:.1f}",
                f"{t.p90_ms:.1f}",
                f"{t.max_ms:.1f}",
                str(t.queries),
                f"{t.size_bytes / 1024:.0f}",
                f"≤ {t.target_ms:.0f} ms" if t.target_ms is not None else "-",
                t.verdict,
                t.url,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(widths[i]) if i == 0 or i >= 6 else cell.rjust(widths[i])
            for i, cell in enumerate(row[:-1])
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)
