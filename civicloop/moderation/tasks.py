"""Moderation's background work: look for a burst of supports on an idea as soon as one arrives, and a
little later for coordinated supports on its question; a scheduled look for coordinated voting."""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from civicloop.moderation.reportables import question_supports

# Supports on a question are compared this long after the first of a run of them, once per run: a
# bloc supporting over a few minutes is compared whole, and a busy question is not compared per support.
COORDINATED_LOOK_DELAY = timedelta(minutes=5)


@task()
def flag_support_bursts(idea_id: int) -> int:
    """Enqueued after each new support; opens a burst case for the idea if it has one (idempotent), and
    asks for a look for coordinated supports on its question a little later (at most one pending)."""
    supports = question_supports()  # registered by engage
    opened = len(supports.bursts_flag([idea_id]))
    question_id = supports.question_of(idea_id)
    delay = COORDINATED_LOOK_DELAY.total_seconds()
    if question_id is not None and cache.add(f"moderation:coordinated-look:{question_id}", 1, delay):
        flag_coordinated_question.using(run_after=timezone.now() + COORDINATED_LOOK_DELAY).enqueue(
            question_id
        )
    return opened


@task()
def flag_coordinated_question(question_id: int) -> int:
    """Opens a case per group of coordinated new supporters on the question (idempotent)."""
    from civicloop.moderation.coordinated import coordinated_voting_flag  # scipy: loaded when used

    return len(coordinated_voting_flag(question_ids=[question_id]))


@task()
def flag_coordinated_voting() -> int:
    """For a schedule (or enqueued by hand): opens a case per group of coordinated new accounts in
    every open conversation and recent question (idempotent: a group already in a case is skipped)."""
    from civicloop.moderation.coordinated import coordinated_voting_flag  # scipy: loaded when used

    return len(coordinated_voting_flag())
