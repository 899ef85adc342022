"""The directory's background work: remind owners of entries due for review, every day.

The daily run books the next one when it runs; `directory_reviews_schedule()` makes sure one is waiting
and belongs in the worker's start-up (settings.WORKER_START_HOOKS)."""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from civicloop.directory.reviews import directory_review_reminders_send

EVERY = timedelta(days=1)


@task()
def review_reminders_daily() -> int:
    """Email owners of entries due for review (once per review-by date), then book tomorrow's run."""
    try:
        return directory_review_reminders_send()
    finally:
        directory_reviews_schedule()


def _waiting() -> bool:
    if not isinstance(review_reminders_daily.get_backend(), DatabaseBackend):
        return False  # other backends cannot be asked; an extra run sends nothing twice
    return DBTaskResult.objects.filter(
        task_path=review_reminders_daily.module_path, status=TaskResultStatus.READY
    ).exists()


def directory_reviews_schedule(*, now: datetime | None = None) -> bool:
    """Queue the next daily run unless one is waiting; True if it queued one."""
    if _waiting():
        return False
    review_reminders_daily.using(run_after=(now or timezone.now()) + EVERY).enqueue()
    return True
