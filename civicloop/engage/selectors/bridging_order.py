"""A question's ideas in bridging order (engage.bridging, cached per question), and its default sort."""

from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from django.core.cache import cache as django_cache
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery, Sum

from civicloop.engage.models import Idea, ModerationState, Question, Support

# A question's bridging order is kept this long at most; any new idea, support, withdrawn support or
# moderation of an idea changes its key first (_bridging_key).
BRIDGING_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class BridgingOrder:
    idea_ids: list[int]  # the question's published ideas, best bridging first
    ready: bool  # enough supporters and two opinion sides: bridging is the question's default order


def _excluded_supporters(question_ref: Any) -> QuerySet[Any]:
    """Accounts whose supports on the question a moderator left out after review of coordinated
    voting (moderation.CoordinatedVotingCase, state "excluded"); `question_ref` a question or OuterRef."""
    from civicloop.moderation.models import CoordinatedVotingMember  # local: moderation builds on engage

    return CoordinatedVotingMember.objects.filter(case__question=question_ref, case__state="excluded")


def supports_counted(question: Question) -> QuerySet[Support]:
    """The supports that count for the question's bridging order: on its published ideas, less those
    a moderator excluded after review of coordinated voting (kept in the database, not counted)."""
    excluded = _excluded_supporters(question).filter(participant_id=OuterRef("participant_id"))
    return Support.objects.filter(
        idea__question=question, idea__moderation_state=ModerationState.PUBLISHED
    ).exclude(Exists(excluded))


def _bridging_key(question: Question) -> str:
    """A cache key that changes with any new idea, support, withdrawn support or moderated idea, and
    with any exclusion of coordinated supports (or its undoing)."""
    published = (
        Idea.objects.filter(question=OuterRef("pk"), moderation_state=ModerationState.PUBLISHED)
        .order_by()
        .values("question")
    )
    supports = (
        Support.objects.filter(
            idea__question=OuterRef("pk"), idea__moderation_state=ModerationState.PUBLISHED
        )
        .order_by()
        .values("idea__question")
    )
    state = (
        Question.objects.filter(pk=question.pk)
        .annotate(
            ideas_count=Subquery(published.annotate(n=Count("id")).values("n")[:1]),
            ideas_last=Subquery(published.annotate(n=Max("id")).values("n")[:1]),
            supports_count=Subquery(published.annotate(n=Sum("supports_count")).values("n")[:1]),
            supports_last=Subquery(supports.annotate(n=Max("id")).values("n")[:1]),
            excluded=Subquery(
                _excluded_supporters(OuterRef("pk"))
                .order_by()
                .values("case__question")
                .annotate(n=Sum("id"))
                .values("n")[:1]
            ),
        )
        .values_list("ideas_count", "ideas_last", "supports_count", "supports_last", "excluded")
        .first()
    ) or ()
    return f"engage:bridging:{question.pk}:" + ":".join(str(value or 0) for value in state)


def question_bridging(question: Question) -> BridgingOrder:
    """The question's published ideas in bridging order (engage.bridging.bridging_rank), with whether
    bridging should be its default order.

    One query for the cache key; when the key is new, three more (ideas, supports, each supporter's
    last support), as plain values, and the rank in numpy (5,000 supporters × 300 ideas: ~0.1 s).
    Kept on the question object too, so one request asks once.
    """
    remembered = getattr(question, "_bridging_order", None)
    if isinstance(remembered, BridgingOrder):
        return remembered
    key = _bridging_key(question)
    order = django_cache.get(key)
    if not isinstance(order, BridgingOrder):
        published = Idea.objects.filter(question=question, moderation_state=ModerationState.PUBLISHED)
        supports = supports_counted(question)
        ideas = list(published.order_by().values_list("pk", "created_at"))
        pairs = np.fromiter(
            chain.from_iterable(supports.order_by().values_list("participant_id", "idea_id")), dtype=np.int64
        ).reshape(-1, 2)
        last = list(
            supports.order_by()
            .values("participant_id")
            .annotate(last=Max("created_at"))
            .values_list("participant_id", "last")
        )
        from civicloop.engage import bridging  # scipy costs every process ~50 MB: loaded when ranked

        rank = bridging.bridging_rank(
            idea_ids=np.array([pk for pk, _ in ideas], dtype=np.int64),
            idea_posted=np.array([posted.timestamp() for _, posted in ideas], dtype=np.float64),
            support_participant_ids=pairs[:, 0],
            support_idea_ids=pairs[:, 1],
            participant_ids=np.array([pk for pk, _ in last], dtype=np.int64),
            participant_last_active=np.array([moment.timestamp() for _, moment in last], dtype=np.float64),
        )
        order = BridgingOrder(idea_ids=rank.idea_ids, ready=rank.ready)
        django_cache.set(key, order, BRIDGING_CACHE_SECONDS)
    question._bridging_order = order  # type: ignore[attr-defined]
    return order


def question_default_sort(question: Question) -> str:
    """ "bridging" once the question has enough supports and two opinion sides (engage.bridging:
    MIN_SUPPORTERS and opposed_ideas), else "fair". A question with fewer supports than the supporters
    needed costs no query when loaded with `supports_total` (question_by_slugs)."""
    total = getattr(question, "supports_total", None)
    if total is None:
        total = (
            Idea.objects.filter(question=question, moderation_state=ModerationState.PUBLISHED).aggregate(
                total=Sum("supports_count")
            )["total"]
            or 0
        )
    from civicloop.engage.bridging import MIN_SUPPORTERS  # (scipy loaded on first use, as above)

    if total < MIN_SUPPORTERS:  # each supporter supports at least once
        return "fair"
    return "bridging" if question_bridging(question).ready else "fair"
