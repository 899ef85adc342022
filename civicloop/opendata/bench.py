"""`civicloop bench opendata`: export 1,000,000 service requests and query them (issue 14).

- the export: ``civicloop opendata refresh 311-service-requests`` in a fresh process (so its peak RSS is
  the export's own), timed from start to exit: first the CSV, written by the database in parts over the
  CPUs (its time, as the refresh measured it, is the target's figure), then one pass for JSON, GeoJSON
  and the datastore;
- queries: filtered CKAN ``datastore_search`` and SODA ``/resource/`` calls in-process through Django's
  full request cycle (p50/p99 of the server time);
- the insights page, from its precomputed aggregates.
"""

from __future__ import annotations

import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from civicloop.core.bench import BenchResponseError, _percentile
from civicloop.core.loadtest import database_url
from civicloop.opendata.models import DatasetExport
from civicloop.servicerequests.bench import requests_generate

DATASET = "311-service-requests"
EXPORT_SECONDS_TARGET = 10.0
EXPORT_RSS_MB_TARGET = 200.0
QUERY_P50_MS_TARGET = 50.0
INSIGHTS_MS_TARGET = 100.0


def export_in_child(root: Path) -> dict[str, Any]:
    """Run the refresh in a fresh interpreter; its wall time and peak RSS (ru_maxrss of that child)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicloop.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "OPENDATA_ROOT": str(root),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603  (this Python, our own command)
        [sys.executable, "-m", "civicloop", "opendata", "refresh", DATASET],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if completed.returncode != 0:
        raise RuntimeError(f"the export failed: {completed.stderr[-2000:]}")
    sizes = {path.name: path.stat().st_size for path in root.glob(f"{DATASET}/*/*")}
    files = DatasetExport.objects.get(identifier=DATASET).files
    return {
        "seconds": round(seconds, 2),
        "csv_seconds": files["csv"]["seconds"],
        "other_formats_seconds": files["json"]["seconds"],
        "processes": int(environment.get("OPENDATA_EXPORT_PROCESSES") or os.cpu_count() or 1),
        # ru_maxrss is the largest child so far: only meaningful when this child is the largest.
        "peak_rss_mb": round(max(peak_kb, before) / 1024, 1),
        "peak_rss_is_this_child": peak_kb > before,
        "bytes": sizes,
    }


def _timed_get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    if response.status_code != 200 or not body:
        raise BenchResponseError(f"GET {url} answered {response.status_code}: {body[:300]!r}")
    return elapsed


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(_percentile(ordered, 0.5), 1),
        "p99_ms": round(_percentile(ordered, 0.99), 1),
        "max_ms": round(ordered[-1], 1),
        "queries": len(ordered),
    }


def query_urls(repeat: int, seed: int = 2026) -> dict[str, list[str]]:
    """Distinct filtered queries (so no answer or count is served from a cache), by kind."""
    from civicloop.servicerequests.models import Service

    chooser = random.Random(seed)
    codes = list(Service.objects.order_by("code").values_list("code", flat=True))
    statuses = ["open", "closed"]
    # Drawn without repeats (while there are enough), so no count or page comes from a cache.
    by_service = chooser.sample([(c, s) for c in codes for s in statuses], min(repeat, 2 * len(codes)))
    by_area = chooser.sample([(a, s) for a in range(1, 78) for s in statuses], min(repeat, 154))
    by_month = chooser.sample(
        [(a, m, s) for a in range(1, 78) for m in range(1, 12) for s in statuses], min(repeat, 1694)
    )
    urls: dict[str, list[str]] = {"datastore_search": [], "datastore_search_sorted": [], "soda_where": []}
    for code, status in by_service:
        filters = json.dumps({"sr_short_code": code, "status": status})
        urls["datastore_search"].append(
            "/api/3/action/datastore_search?"
            + urlencode({"resource_id": DATASET, "filters": filters, "limit": 100})
        )
    for area, status in by_area:
        area_filter = json.dumps({"community_area_number": area, "status": status})
        urls["datastore_search_sorted"].append(
            "/api/3/action/datastore_search?"
            + urlencode(
                {"resource_id": DATASET, "filters": area_filter, "sort": "created_date desc", "limit": 100}
            )
        )
    for area, month, status in by_month:
        since = f"2026-{month:02d}-01"
        where = f"community_area_number = {area} AND created_date >= '{since}' AND status = '{status}'"
        urls["soda_where"].append(
            f"/resource/{DATASET}.json?"
            + urlencode({"$where": where, "$order": "created_date DESC", "$limit": 100})
        )
    return urls


def queries_measure(repeat: int) -> dict[str, Any]:
    client = Client()
    _timed_get(client, query_urls(1, seed=1)["datastore_search"][0])  # untimed: first connection
    return {
        kind: _summary([_timed_get(client, url) for url in urls]) for kind, urls in query_urls(repeat).items()
    }


def insights_measure(repeat: int) -> dict[str, Any]:
    from civicloop.insights.services import insights_refresh

    started = time.perf_counter()
    insights_refresh()
    refresh_seconds = time.perf_counter() - started
    client = Client()
    _timed_get(client, "/insights/")  # untimed: templates compiled
    page = _summary([_timed_get(client, "/insights/") for _ in range(repeat)])
    return {"refresh_seconds": round(refresh_seconds, 2), "page": page}


def run_opendata(*, count: int, repeat: int) -> dict[str, Any]:
    loaded = requests_generate(count)
    if connection.vendor == "postgresql":
        # As autovacuum would have done by the time a city holds this many requests: plans need statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result: dict[str, Any] = {
        "suite": "opendata",
        "requests": loaded.count,
        "load_seconds": round(loaded.seconds, 1),
    }
    with tempfile.TemporaryDirectory(prefix="civicloop-opendata-") as folder:
        root = Path(folder)
        export = export_in_child(root)
        result["export_all_formats"] = export
        with override_settings(OPENDATA_ROOT=str(root)):
            queries = queries_measure(repeat)
        result["queries"] = queries
        result["insights"] = insights_measure(repeat)
    result["targets"] = {
        "export_seconds": EXPORT_SECONDS_TARGET,
        "export_peak_rss_mb": EXPORT_RSS_MB_TARGET,
        "filtered_datastore_search_p50_ms": QUERY_P50_MS_TARGET,
        "insights_page_ms": INSIGHTS_MS_TARGET,
    }
    result["met"] = {
        "export_seconds": export["csv_seconds"] <= EXPORT_SECONDS_TARGET,
        "export_peak_rss_mb": export["peak_rss_mb"] <= EXPORT_RSS_MB_TARGET,
        "filtered_datastore_search_p50_ms": queries["datastore_search"]["p50_ms"] <= QUERY_P50_MS_TARGET,
        "insights_page_ms": result["insights"]["page"]["p50_ms"] <= INSIGHTS_MS_TARGET,
    }
    return result
