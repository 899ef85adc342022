"""Prometheus metrics at ``/metrics`` (issue 15): request latency by route, and what the apps report
from the database at each scrape (the task queue, deliveries by channel and status, opt-outs …).

Request latency is a histogram kept by each process; with several web processes set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder they all write to (prometheus_client's multiprocess
mode), and any of them answers for all. The database figures are read when scraped, so every process
answers the same. Apps add theirs with ``metrics_source`` in their AppConfig.ready().
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUEST_SECONDS = Histogram(
    "civicloop_request_duration_seconds",
    "Time to answer a request, by route (the URL pattern), method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,  # exposed by the registry each scrape builds (see metrics_exposition)
)

MetricsSource = Callable[[], Iterable[Metric]]
_sources: list[MetricsSource] = []


def metrics_source(source: MetricsSource) -> MetricsSource:
    """Register a function that yields metrics read at scrape time (a decorator)."""
    if source not in _sources:
        _sources.append(source)
    return source


class _Sources(Collector):
    def collect(self) -> Iterable[Metric]:
        for source in _sources:
            yield from source()


def request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(route=route or "-", method=method, status=str(status)).observe(seconds)


def metrics_exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(_Sources())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def metrics_allowed(request: HttpRequest) -> bool | None:
    """True for a scraper with METRICS_TOKEN (a bearer token) or from METRICS_ALLOWED_NETWORKS; False
    for anyone else; None when neither is set (the endpoint does not exist)."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return None
    given = request.headers.get("Authorization", "")
    if token and constant_time_compare(given, f"Bearer {token}"):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
