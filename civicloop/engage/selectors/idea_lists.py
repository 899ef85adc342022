"""A question's ideas in the order the reader chose, a page at a time, and which of them they support."""

from collections.abc import Iterator
from typing import overload

from django.db.models import OuterRef, QuerySet, Subquery

from civicloop.engage.models import Idea, ModerationState, Participant, Question, Support
from civicloop.engage.selectors.bridging_order import question_bridging
from civicloop.engage.selectors.viewers import Viewer, _visible_to
from civicloop.places.models import CommunityArea

SORTS = ("fair", "newest", "discussed", "picks", "bridging")


def question_ideas(*, question: Question, viewer: Viewer, sort: str) -> QuerySet[Idea]:
    """The ideas on a question in the chosen order; "fair" is the default and never the support count.

    Fair rotation: the least shown first, ties in random order, so every idea gets seen before any
    pile of supports can decide what people read. Past ROTATION_ENOUGH_VIEWS all are equal (random).
    The random order is each idea's stored key, drawn afresh whenever a page shows it
    (services.ideas_shown_count), so the database walks an index instead of sorting all ideas.
    "bridging" is made outside the database: see question_ideas_bridging.
    """
    ideas = (
        Idea.objects.filter(question=question)
        .filter(_visible_to(viewer))
        .defer("body", "held_reasons", "status_reason", "embedding")
        # The names come by subquery, not by joins: the databases join every idea of the question
        # before sorting and keeping one page, but run a subquery only for the ideas kept (40,000
        # ideas, fair order: 3x faster on SQLite, 1.5x on PostgreSQL; docs/benchmarks.md). The
        # template reads author_name and area_name, so idea.author is not loaded.
        .annotate(
            author_name=Subquery(
                Participant.objects.filter(pk=OuterRef("author_id")).order_by().values("display_name")[:1]
            ),
            area_name=Subquery(
                CommunityArea.objects.filter(pk=OuterRef("community_area_id")).order_by().values("name")[:1]
            ),
            area_slug=Subquery(
                CommunityArea.objects.filter(pk=OuterRef("community_area_id")).order_by().values("slug")[:1]
            ),
        )
    )
    if sort == "newest":
        return ideas.order_by("-created_at", "-id")
    if sort == "discussed":
        return ideas.order_by("-comments_count", "-created_at", "-id")
    if sort == "picks":
        return ideas.filter(is_staff_pick=True).order_by("-created_at", "-id")
    return ideas.order_by("rotation_views", "rotation_key")


def question_ideas_bridging(*, question: Question, viewer: Viewer) -> "IdeasInOrder":
    """The ideas on a question by support across opinion sides (engage.bridging, cached per question);
    the viewer's own held ideas (every unpublished one for moderators) follow, newest first."""
    ideas = question_ideas(question=question, viewer=viewer, sort="newest")
    unranked: list[int] = []
    if viewer.is_moderator or viewer.participant is not None:
        unranked = list(
            ideas.exclude(moderation_state=ModerationState.PUBLISHED).values_list("pk", flat=True)
        )
    return IdeasInOrder(ideas, question_bridging(question).idea_ids + unranked)


class IdeasInOrder:
    """Ideas in an order made outside the database, for a Paginator: a page loads only its own ideas
    (one query), whatever the question's size."""

    def __init__(self, ideas: QuerySet[Idea], idea_ids: list[int]) -> None:
        self.ideas = ideas
        self.idea_ids = idea_ids

    def __len__(self) -> int:
        return len(self.idea_ids)

    @overload
    def __getitem__(self, index: int) -> Idea: ...
    @overload
    def __getitem__(self, index: slice) -> list[Idea]: ...
    def __getitem__(self, index: int | slice) -> Idea | list[Idea]:
        if isinstance(index, int):
            found = self[index : index + 1 or None]
            if not found:
                raise IndexError(index)
            return found[0]
        wanted = self.idea_ids[index]
        by_id = {idea.pk: idea for idea in self.ideas.filter(pk__in=wanted).order_by()}
        # An idea hidden since the order was made is simply not there.
        return [by_id[pk] for pk in wanted if pk in by_id]

    def __iter__(self) -> Iterator[Idea]:
        for start in range(0, len(self.idea_ids), 500):
            yield from self[start : start + 500]


def supported_idea_ids(*, viewer: Viewer, idea_ids: list[int]) -> set[int]:
    if viewer.participant is None or not idea_ids:
        return set()
    return set(
        Support.objects.filter(participant=viewer.participant, idea_id__in=idea_ids).values_list(
            "idea_id", flat=True
        )
    )
