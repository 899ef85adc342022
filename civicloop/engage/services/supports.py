"""Supports: one per confirmed person and idea, watched for bursts, their network keys forgotten in time."""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.throttling import rate_limit_exceeded
from civicloop.engage.models import Idea, Support
from civicloop.engage.selectors import Viewer
from civicloop.engage.services.errors import PostingLimitReached
from civicloop.engage.services.posting import PERSON_WINDOW_SECONDS, SUPPORTS_PER_PERSON, _posting_allowed


def idea_support(*, idea: Idea, viewer: Viewer, network_key: str = "", now: datetime | None = None) -> bool:
    """Support an idea once per confirmed person; True if new (a second click changes nothing).

    `network_key` (core.throttling.client_network_key) lets moderators see bursts from one network;
    each new support queues a look for a burst on its idea (moderation.tasks).
    """
    moment = now or timezone.now()
    participant = _posting_allowed(question=idea.question, viewer=viewer, now=moment)
    if participant.user_id is None and rate_limit_exceeded(
        scope="engage-support",
        subject=str(participant.pk),
        limit=SUPPORTS_PER_PERSON,
        window_seconds=PERSON_WINDOW_SECONDS,
    ):
        raise PostingLimitReached(_("You are supporting very fast. Please wait a few minutes and try again."))
    with transaction.atomic():
        _support, created = Support.objects.get_or_create(
            idea=idea, participant=participant, defaults={"created_at": moment, "network_key": network_key}
        )
        if created:
            Idea.objects.filter(pk=idea.pk).update(supports_count=F("supports_count") + 1)
            transaction.on_commit(partial(_support_bursts_look, idea.pk))
    return created


def _support_bursts_look(idea_id: int) -> None:
    """Moderators hear of a burst of supports within moments, whether or not they are looking."""
    from civicloop.moderation.tasks import flag_support_bursts  # local: moderation is built alongside

    flag_support_bursts.enqueue(idea_id)


def support_network_keys_forget(cutoff: datetime) -> int:
    """Retention: the network hash on supports older than `cutoff` is blanked (the support stays)."""
    return Support.objects.filter(created_at__lt=cutoff).exclude(network_key="").update(network_key="")
