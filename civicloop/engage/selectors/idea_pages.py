"""An idea's page: the idea, its discussion in threads a page at a time, its timeline, your standing."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q

from civicloop.core.errors import NotFound
from civicloop.engage.models import Comment, Idea, IdeaFollower, IdeaStatusChange, Participant, Support
from civicloop.engage.selectors.viewers import Viewer, _visible_to


def idea_for_page(idea_id: int) -> Idea:
    idea = (
        Idea.objects.select_related("question__space", "question__topic", "author", "community_area")
        .defer("community_area__boundary")  # the area's GeoJSON outline: about 28 KB, never shown
        .filter(pk=idea_id)
        .first()
    )
    if idea is None:
        raise NotFound("No such idea.")
    return idea


@dataclass(frozen=True)
class Thread:
    """A top-level comment with its replies (two levels: replies to replies join the same thread)."""

    comment: Comment
    replies: list[Comment]


THREADS_PER_PAGE = 50  # top-level comments per idea page, each with all its replies


@dataclass(frozen=True)
class ThreadPage:
    threads: list[Thread]
    page: Page  # of top-level comments, oldest first


def idea_threads(*, idea: Idea, viewer: Viewer, page_number: Any = 1) -> ThreadPage:
    """One page of the idea's discussion: top-level comments in order, replies under the comment they
    answer. Three queries whatever the discussion's size (count, the page's comments, their replies):
    rendering, not SQL, was the cost of an idea with 834 comments (docs/benchmarks.md)."""
    visible = Comment.objects.filter(idea=idea).filter(_visible_to(viewer)).select_related("author")
    top_level = visible.filter(parent__isnull=True).order_by("created_at", "id")
    page = Paginator(top_level, THREADS_PER_PAGE).get_page(page_number)
    comments = list(page.object_list)
    replies: dict[int, list[Comment]] = {}
    if comments:
        for reply in visible.filter(parent_id__in=[c.pk for c in comments]).order_by("created_at", "id"):
            replies.setdefault(reply.parent_id or 0, []).append(reply)
    return ThreadPage(threads=[Thread(comment=c, replies=replies.get(c.pk, [])) for c in comments], page=page)


def comment_page_number(comment: Comment, viewer: Viewer) -> int:
    """The idea page that shows this comment to this viewer (a reply: its parent's page)."""
    top = comment.parent if comment.parent_id else comment
    assert top is not None
    earlier = (
        Comment.objects.filter(idea_id=top.idea_id, parent__isnull=True)
        .filter(_visible_to(viewer))
        .filter(Q(created_at__lt=top.created_at) | Q(created_at=top.created_at, id__lt=top.pk))
    )
    return earlier.count() // THREADS_PER_PAGE + 1


def idea_timeline(idea: Idea) -> list[IdeaStatusChange]:
    return list(IdeaStatusChange.objects.filter(idea=idea).order_by("created_at", "id"))


@dataclass(frozen=True)
class ViewerStanding:
    supports: bool
    follows: bool


def viewer_standing(*, idea: Idea, viewer: Viewer) -> ViewerStanding:
    """Whether this viewer already supports and follows the idea (one query, none when signed out)."""
    if viewer.participant is None:
        return ViewerStanding(supports=False, follows=False)
    flags = (
        Participant.objects.filter(pk=viewer.participant.pk)
        .annotate(
            supports_it=Exists(Support.objects.filter(idea_id=idea.pk, participant_id=OuterRef("pk"))),
            follows_it=Exists(
                IdeaFollower.objects.filter(
                    idea_id=idea.pk, participant_id=OuterRef("pk"), stopped_at__isnull=True
                )
            ),
        )
        .values("supports_it", "follows_it")
        .first()
    ) or {"supports_it": False, "follows_it": False}
    return ViewerStanding(supports=bool(flags["supports_it"]), follows=bool(flags["follows_it"]))
