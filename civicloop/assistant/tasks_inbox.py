"""The staff inbox's periodic tasks: polling the city's social accounts (one waiting `fetch_social_mentions`
task, each booking the next when it runs, as the digest schedule does; nothing is booked when no account is
set up), resolving quiet pending conversations the same way, and emailing colleagues mentioned in notes."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from civicloop.assistant.models import SocialMentionsCursor
from civicloop.assistant.services.desk import desk_auto_resolve, desk_mention_email_send
from civicloop.assistant.services.social_inbox import mentions_readers, social_mentions_fetch_all

SOCIAL_INBOX_POLL_SECONDS = 120.0


def poll_interval() -> timedelta:
    """How often the accounts are asked for new replies and mentions (SOCIAL_INBOX_POLL_SECONDS)."""
    return timedelta(seconds=float(getattr(settings, "SOCIAL_INBOX_POLL_SECONDS", SOCIAL_INBOX_POLL_SECONDS)))


@task()
def fetch_social_mentions() -> int:
    """Store the accounts' new replies and mentions, then book the next poll (even if this one failed).

    Safe to run twice or late: each post is stored once and each account reads from where it stopped. A
    run soon after another (a second worker's schedule) fetches nothing. Returns the new messages stored.
    """
    try:
        last = (
            SocialMentionsCursor.objects.order_by("-fetched_at").values_list("fetched_at", flat=True).first()
        )
        if last is not None and last > timezone.now() - poll_interval() / 2:
            return 0
        return social_mentions_fetch_all()
    finally:
        social_mentions_next_enqueue()


def _waiting() -> bool:
    """True when a poll is already queued and not yet started."""
    if not isinstance(fetch_social_mentions.get_backend(), DatabaseBackend):
        return False  # other backends cannot be asked; a second poll soon after the first fetches nothing
    return DBTaskResult.objects.filter(
        task_path=fetch_social_mentions.module_path, status=TaskResultStatus.READY
    ).exists()


def social_mentions_next_enqueue(*, now: datetime | None = None, delay: timedelta | None = None) -> bool:
    """Queue the next poll `delay` from now (default: the poll interval) unless one is waiting, or no
    social account is configured; True if queued."""
    if not mentions_readers() or _waiting():
        return False
    run_after = (now or timezone.now()) + (poll_interval() if delay is None else delay)
    fetch_social_mentions.using(run_after=run_after).enqueue()
    return True


def social_mentions_schedule(*, now: datetime | None = None) -> bool:
    """At worker start-up: poll now unless a poll is waiting (then that one keeps the schedule)."""
    return social_mentions_next_enqueue(now=now, delay=timedelta(0))


# The service desk: conversations pending with no message for INBOX_AUTO_RESOLVE_HOURS are resolved; one
# waiting task, each booking the next when it runs (as the social polling above does).
AUTO_RESOLVE_EVERY = timedelta(hours=1)


@task()
def auto_resolve_conversations() -> int:
    """Resolve the quiet pending conversations (one UPDATE), then book the next run; returns how many."""
    try:
        return desk_auto_resolve()
    finally:
        auto_resolve_next_enqueue()


def _auto_resolve_waiting() -> bool:
    if not isinstance(auto_resolve_conversations.get_backend(), DatabaseBackend):
        return False  # a second run soon after the first finds nothing to resolve
    return DBTaskResult.objects.filter(
        task_path=auto_resolve_conversations.module_path, status=TaskResultStatus.READY
    ).exists()


def auto_resolve_next_enqueue(*, now: datetime | None = None, delay: timedelta | None = None) -> bool:
    """Queue the next auto-resolve run `delay` from now (default: an hour) unless one waits; True if so."""
    if _auto_resolve_waiting():
        return False
    run_after = (now or timezone.now()) + (AUTO_RESOLVE_EVERY if delay is None else delay)
    auto_resolve_conversations.using(run_after=run_after).enqueue()
    return True


def auto_resolve_schedule(*, now: datetime | None = None) -> bool:
    """At worker start-up: run now unless a run is waiting."""
    return auto_resolve_next_enqueue(now=now, delay=timedelta(0))


@task()
def send_inbox_mention_email(mention_id: int) -> bool:
    """Enqueued after a note mentions a colleague; emails them once (idempotent)."""
    return desk_mention_email_send(mention_id=mention_id)
