"""Digest schedule: one waiting `send_digests` task per frequency, each booking the next when it runs."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from civicloop.delivery.digest_schedule import DIGEST_FREQUENCIES, next_digest_time
from civicloop.delivery.digests import digest_run_create
from civicloop.delivery.models import Channel
from civicloop.delivery.tasks import send_deliveries


@task()
def send_digests(frequency: str) -> int:
    """Create the digest run for the slot that has just come (once), start the email sender, book the next.

    Safe to run twice or late: a slot's run is created once; a late run covers everything since the
    previous one. The next run is booked even if this one fails. Returns the deliveries added.
    """
    try:
        with transaction.atomic():
            run = digest_run_create(frequency=frequency)
            if run.inserted:
                transaction.on_commit(lambda: send_deliveries.enqueue(Channel.EMAIL))
        return run.inserted
    finally:
        digest_next_enqueue(frequency)


def _waiting(frequency: str) -> bool:
    """True when a send_digests for this frequency is already queued and not yet started."""
    if not isinstance(send_digests.get_backend(), DatabaseBackend):
        return False  # other backends cannot be asked; a duplicate run is harmless (one run per slot)
    return DBTaskResult.objects.filter(
        task_path=send_digests.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__args__0=frequency,
    ).exists()


def digest_next_enqueue(frequency: str, *, now: datetime | None = None) -> bool:
    """Queue send_digests(frequency) for its next scheduled time unless one is waiting; True if queued."""
    if _waiting(frequency):
        return False
    run_after = next_digest_time(now or timezone.now(), frequency)
    send_digests.using(run_after=run_after).enqueue(frequency)
    return True


def digests_schedule(*, now: datetime | None = None) -> list[str]:
    """Make sure each digest frequency has its next run queued (call at worker start-up).

    Returns the frequencies it queued. Calling it again, or from several workers in turn, queues
    nothing more while a run is waiting.
    """
    return [frequency for frequency in DIGEST_FREQUENCIES if digest_next_enqueue(frequency, now=now)]
