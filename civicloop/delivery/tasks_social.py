"""Background posting to social networks: one task run per attempt, retried with backoff and jitter."""

import random
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from civicloop.delivery.social import social_post_send

SOCIAL_BACKOFF_BASE_SECONDS = 30.0
# Four retries wait at most 60 + 120 + 240 + 480 s, well inside Mastodon's one-hour idempotency window.
SOCIAL_BACKOFF_CAP_SECONDS = 900.0


def social_backoff_seconds(
    attempt: int, retry_after: float | None = None, *, random_fraction: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after `attempt` failed attempts: full jitter over min(cap, base · 2^attempt).

    Full jitter spreads retries of many posts apart; a server's Retry-After (or rate-limit reset) is a
    floor, never shortened. Pure apart from the random draw, which tests can fix.
    """
    ceiling = min(SOCIAL_BACKOFF_CAP_SECONDS, SOCIAL_BACKOFF_BASE_SECONDS * 2 ** max(attempt, 0))
    return max(random_fraction() * ceiling, retry_after or 0.0)


@task()
def post_announcement_to_social(social_post_id: int) -> str:
    """One attempt to post; on a transient failure, enqueue the next attempt after a backoff.

    Safe to run twice for the same row: posted or failed rows are skipped, and retries reuse the same
    idempotency key. Returns the row's status (or "missing").
    """
    result = social_post_send(social_post_id=social_post_id)
    if result.social_post is None:
        return "missing"
    if result.retry is not None:
        delay = social_backoff_seconds(result.social_post.attempts, result.retry.retry_after)
        run_after = timezone.now() + timedelta(seconds=delay)
        post_announcement_to_social.using(run_after=run_after).enqueue(social_post_id)
    return result.social_post.status
