"""Core's own background work: the daily retention pass (core/retention.py), booked as the open-data
schedule is (one waiting task, each booking the next)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from civicloop.core.retention import retention_enforce

RETENTION_EVERY = timedelta(days=1)


@task()
def enforce_retention() -> dict[str, int]:
    try:
        return retention_enforce()
    finally:
        retention_next_enqueue()


def _waiting() -> bool:
    if not isinstance(enforce_retention.get_backend(), DatabaseBackend):
        return False  # other backends cannot be asked; a second pass finds nothing to forget
    return DBTaskResult.objects.filter(
        task_path=enforce_retention.module_path, status=TaskResultStatus.READY
    ).exists()


def retention_next_enqueue(*, now: datetime | None = None, delay: timedelta = RETENTION_EVERY) -> bool:
    if _waiting():
        return False
    enforce_retention.using(run_after=(now or timezone.now()) + delay).enqueue()
    return True


def retention_schedule(*, now: datetime | None = None) -> bool:
    """At worker start-up: a pass now unless one is waiting."""
    return retention_next_enqueue(now=now, delay=timedelta(0))
