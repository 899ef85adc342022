"""Whether this process can serve (``/readyz``): the database, the cache and the task queue answer.

``/healthz`` stays the cheap liveness probe (the database alone); a load balancer or an orchestrator
takes an instance out of rotation while ``/readyz`` says 503. What failed is named, never its error
text (that goes to the log).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

logger = logging.getLogger(__name__)

RQ_BACKEND = "django_tasks_rq.RQBackend"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]
    # Ready tasks waiting and how long the oldest has waited: a stalled worker shows here first.
    tasks: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(outcome == "ok" for outcome in self.checks.values())


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache = caches["default"]
    key, value = "civicloop:readyz", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not keep a value")


def _tasks_database() -> dict[str, Any]:
    from django.db.models import Count, Min
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready().aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
    count, oldest = waiting["count"], waiting["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"backend": "database", "ready": count, "oldest_ready_seconds": round(age, 1)}


def _tasks_rq() -> dict[str, Any]:
    import django_rq

    queues = settings.TASKS["default"].get("QUEUES", ["default"])
    django_rq.get_connection(queues[0]).ping()
    count = sum(len(django_rq.get_queue(name)) for name in queues)
    return {"backend": "rq", "ready": count}


def _checked(name: str, check: Callable[[], Any], checks: dict[str, str]) -> Any:
    try:
        result = check()
    except Exception:
        logger.exception("readiness: the %s check failed", name)
        checks[name] = "unavailable"
        return None
    checks[name] = "ok"
    return result


def readiness() -> Readiness:
    checks: dict[str, str] = {}
    _checked("database", _database, checks)
    _checked("cache", _cache, checks)
    rq = settings.TASKS["default"]["BACKEND"] == RQ_BACKEND
    tasks = _checked("tasks", _tasks_rq if rq else _tasks_database, checks)
    return Readiness(checks=checks, tasks=tasks or {})


def task_queue_metrics() -> Iterable[Metric]:
    """The queue as /readyz sees it, for /metrics: ready tasks and the oldest one's wait."""
    rq = settings.TASKS["default"]["BACKEND"] == RQ_BACKEND
    queue = _tasks_rq() if rq else _tasks_database()
    ready = GaugeMetricFamily("civicloop_tasks_ready", "Tasks waiting to run now", labels=["backend"])
    ready.add_metric([queue["backend"]], queue["ready"])
    yield ready
    if "oldest_ready_seconds" in queue:
        yield GaugeMetricFamily(
            "civicloop_tasks_oldest_ready_seconds",
            "How long the oldest task ready to run has waited",
            value=queue["oldest_ready_seconds"],
        )
