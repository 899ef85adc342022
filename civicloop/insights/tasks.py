"""Insights' background work: recompute the dashboards' aggregates, on demand and every hour.

The hourly run books the next one when it runs (like delivery's digests); `insights_schedule()` makes
sure one is waiting and belongs in the worker's start-up (core/management/commands/worker.py).
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from civicloop.insights.services import insights_refresh

REFRESH_EVERY = timedelta(hours=1)


@task()
def refresh_insights() -> str:
    """Recompute and store every aggregate (idempotent). Returns when they were computed (ISO 8601)."""
    return insights_refresh().computed_at.isoformat()


@task()
def refresh_insights_hourly() -> str:
    """The scheduled refresh: recompute, then book the next run in an hour (even if this one failed)."""
    try:
        return insights_refresh().computed_at.isoformat()
    finally:
        insights_schedule()


def _waiting() -> bool:
    if not isinstance(refresh_insights_hourly.get_backend(), DatabaseBackend):
        return False  # other backends cannot be asked; an extra run only recomputes the same figures
    return DBTaskResult.objects.filter(
        task_path=refresh_insights_hourly.module_path, status=TaskResultStatus.READY
    ).exists()


def insights_schedule(*, now: datetime | None = None) -> bool:
    """Queue the next hourly refresh unless one is waiting; True if it queued one."""
    if _waiting():
        return False
    refresh_insights_hourly.using(run_after=(now or timezone.now()) + REFRESH_EVERY).enqueue()
    return True
