"""Moderation's background work: look for a burst of supports on an idea as soon as one arrives."""

from django_tasks import task

from civicloop.moderation.services import support_bursts_flag


@task()
def flag_support_bursts(idea_id: int) -> int:
    """Enqueued after each new support; opens a burst case for the idea if it has one (idempotent)."""
    return len(support_bursts_flag(idea_ids=[idea_id]))
