"""Public reads for the JSON API: published content on questions in public spaces, newest first."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from civicloop.core.errors import NotFound
from civicloop.engage.models import Comment, Idea, IdeaStatusChange, ModerationState, Question, Space
from civicloop.places.models import CommunityArea

# What anyone signed out may read: published content on questions in public spaces.
IDEA_PUBLIC_ORDER = {
    "recent": ("-created_at", "-id"),
    "supported": ("-supports_count", "-created_at", "-id"),
}


def question_public_list() -> QuerySet[Question]:
    """The city's questions in public spaces, newest first, with `ideas_count` (published ideas) and
    their community areas: two queries whatever the number of questions."""
    published_ideas = (
        Idea.objects.filter(question=OuterRef("pk"), moderation_state=ModerationState.PUBLISHED)
        .order_by()
        .values("question")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return (
        Question.objects.filter(space__visibility=Space.Visibility.PUBLIC)
        .select_related("space", "topic")
        .prefetch_related(
            Prefetch("community_areas", queryset=CommunityArea.objects.only("id", "name", "slug"))
        )
        .annotate(ideas_count=Coalesce(Subquery(published_ideas), 0))
        .order_by("-opens_at", "id")
    )


def question_public(question_id: int) -> Question:
    """A question in a public space; NotFound for any other, as if it did not exist."""
    question = question_public_list().filter(pk=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    return question


def idea_public_list(
    *, question_id: int | None = None, status: str = "", sort: str = "recent"
) -> QuerySet[Idea]:
    """Published ideas on questions in public spaces, "recent" or most "supported" first (one query)."""
    ideas = (
        Idea.objects.filter(
            moderation_state=ModerationState.PUBLISHED, question__space__visibility=Space.Visibility.PUBLIC
        )
        .select_related("question__space", "author", "community_area")
        .defer("held_reasons", "embedding", "community_area__boundary")
    )
    if question_id is not None:
        ideas = ideas.filter(question_id=question_id)
    if status:
        ideas = ideas.filter(status=status)
    return ideas.order_by(*IDEA_PUBLIC_ORDER.get(sort, IDEA_PUBLIC_ORDER["recent"]))


def idea_public(idea_id: int) -> Idea:
    """A published idea in a public space with `timeline` (status changes, oldest first) and
    `official_responses` (staff replies, oldest first): three queries. NotFound for any other idea."""
    idea = (
        idea_public_list()
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=IdeaStatusChange.objects.order_by("created_at", "id"),
                to_attr="timeline",
            ),
            Prefetch(
                "comments",
                queryset=Comment.objects.filter(
                    is_official=True, moderation_state=ModerationState.PUBLISHED
                ).order_by("created_at", "id"),
                to_attr="official_responses",
            ),
        )
        .filter(pk=idea_id)
        .first()
    )
    if idea is None:
        raise NotFound("No such idea.")
    return idea
