"""Spaces and their questions: which ones a viewer may enter, by web address, open or not."""

from datetime import datetime

from django.db.models import OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicloop.core.errors import NotFound
from civicloop.engage.models import Idea, ModerationState, Question, Space
from civicloop.engage.selectors.viewers import Viewer


def question_is_open(question: Question, *, now: datetime | None = None) -> bool:
    moment = now or timezone.now()
    return question.opens_at <= moment < question.closes_at


def questions_open_public(*, now: datetime | None = None) -> list[Question]:
    """The questions in public spaces open for ideas now, closing soonest first (one query): where staff
    may post a resident's idea for them."""
    moment = now or timezone.now()
    return list(
        Question.objects.filter(
            space__visibility=Space.Visibility.PUBLIC, opens_at__lte=moment, closes_at__gt=moment
        )
        .select_related("space")
        .order_by("closes_at", "id")
    )


def spaces_for(viewer: Viewer) -> list[Space]:
    """The spaces this viewer may enter, each with its questions (two queries)."""
    visible = Q(visibility=Space.Visibility.PUBLIC)
    if viewer.is_staff:
        visible = Q()
    elif viewer.participant is not None and viewer.participant.contact_point_id is not None:
        visible |= Q(
            visibility=Space.Visibility.INVITE, invitees__contact_point_id=viewer.participant.contact_point_id
        )
    questions = Question.objects.order_by("-opens_at", "id")
    return list(
        Space.objects.filter(visible).distinct().prefetch_related(Prefetch("questions", queryset=questions))
    )


def space_by_slug(slug: str) -> Space:
    space = Space.objects.filter(slug=slug).first()
    if space is None:
        raise NotFound("No such space.")
    return space


def question_by_slugs(space_slug: str, question_slug: str, *, with_supports_total: bool = False) -> Question:
    """The question; `with_supports_total` also counts its published ideas' supports in the same query
    (as `supports_total`), which question_default_sort needs."""
    questions = Question.objects.select_related("space", "topic")
    if with_supports_total:
        questions = questions.annotate(
            supports_total=Coalesce(
                Subquery(
                    Idea.objects.filter(question=OuterRef("pk"), moderation_state=ModerationState.PUBLISHED)
                    .order_by()
                    .values("question")
                    .annotate(total=Sum("supports_count"))
                    .values("total")[:1]
                ),
                0,
            )
        )
    question = questions.filter(space__slug=space_slug, slug=question_slug).first()
    if question is None:
        raise NotFound("No such question.")
    return question
