"""Open data on its schedule: one waiting ``refresh_due_datasets`` task, each booking the next (as the
digests and the social inbox do); staff can also ask for a refresh now."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from civicloop.opendata.services import dataset_refresh, datasets_due, datasets_refresh_all

# How often the worker looks for datasets whose period has passed (the shortest period is an hour).
CHECK_EVERY = timedelta(minutes=10)


@task()
def refresh_dataset(identifier: str) -> str:
    dataset_refresh(identifier=identifier)
    return identifier


@task()
def refresh_all_datasets() -> dict[str, str]:
    return datasets_refresh_all()


@task()
def refresh_due_datasets() -> list[str]:
    """Refresh each dataset whose period has passed since its last export; then book the next check."""
    refreshed = []
    try:
        for identifier in datasets_due(now=timezone.now()):
            try:
                dataset_refresh(identifier=identifier)
                refreshed.append(identifier)
            except Exception:  # noqa: S112  (logged and noted on the export; the others go on)
                continue
    finally:
        opendata_next_enqueue()
    return refreshed


def _waiting() -> bool:
    if not isinstance(refresh_due_datasets.get_backend(), DatabaseBackend):
        return False  # other backends cannot be asked; a second check finds nothing due
    return DBTaskResult.objects.filter(
        task_path=refresh_due_datasets.module_path, status=TaskResultStatus.READY
    ).exists()


def opendata_next_enqueue(*, now: datetime | None = None, delay: timedelta = CHECK_EVERY) -> bool:
    if _waiting():
        return False
    refresh_due_datasets.using(run_after=(now or timezone.now()) + delay).enqueue()
    return True


def opendata_schedule(*, now: datetime | None = None) -> bool:
    """At worker start-up: check now unless a check is waiting."""
    return opendata_next_enqueue(now=now, delay=timedelta(0))
