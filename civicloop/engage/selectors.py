"""Reads for engage: who is looking, what they may see, and the pages' lists in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Least
from django.utils import timezone

from civicloop.accounts.permissions import Capability, user_can
from civicloop.core.errors import NotFound
from civicloop.engage.models import (
    Comment,
    Idea,
    IdeaFollower,
    IdeaStatusChange,
    ModerationState,
    Participant,
    Question,
    Space,
    SpaceInvitee,
    Support,
)

# Until every idea on a question has been shown this often, the least seen come first.
ROTATION_ENOUGH_VIEWS = 200
SORTS = ("fair", "newest", "discussed", "picks")


@dataclass
class Viewer:
    """Whoever is looking: a staff login, a signed-in resident, both or neither."""

    user: Any = None
    participant: Participant | None = None
    is_staff: bool = False
    is_moderator: bool = False
    invited_space_ids: set[int] = field(default_factory=set)

    @property
    def can_take_part(self) -> bool:
        """Signed in as a resident, or staff (whose participant is made on their first post)."""
        return self.participant is not None or self.is_staff

    @property
    def participant_id(self) -> int | None:
        return self.participant.pk if self.participant is not None else None


def viewer_for(*, user: Any, participant_id: int | None) -> Viewer:
    """The viewer for a request: staff by their login, residents by the participant their magic link set."""
    is_staff = bool(getattr(user, "is_authenticated", False) and getattr(user, "is_city_staff", False))
    participant = None
    if is_staff:
        participant = Participant.objects.filter(user=user).first()
    elif participant_id:
        participant = Participant.objects.filter(
            pk=participant_id, confirmed_at__isnull=False, user__isnull=True
        ).first()
    return Viewer(
        user=user if is_staff else None,
        participant=participant,
        is_staff=is_staff,
        is_moderator=is_staff and user_can(user, Capability.MODERATE),
    )


def space_readable(space: Space, viewer: Viewer) -> bool:
    """Public spaces are open to all, staff-only ones to staff, invite-only ones to staff and invitees."""
    if space.visibility == Space.Visibility.PUBLIC or viewer.is_staff:
        return True
    if space.visibility == Space.Visibility.STAFF or viewer.participant is None:
        return False
    if space.pk not in viewer.invited_space_ids:
        point_id = viewer.participant.contact_point_id
        if (
            point_id is None
            or not SpaceInvitee.objects.filter(space=space, contact_point_id=point_id).exists()
        ):
            return False
        viewer.invited_space_ids.add(space.pk)
    return True


def question_is_open(question: Question, *, now: datetime | None = None) -> bool:
    moment = now or timezone.now()
    return question.opens_at <= moment < question.closes_at


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


def question_by_slugs(space_slug: str, question_slug: str) -> Question:
    question = (
        Question.objects.select_related("space", "topic")
        .filter(space__slug=space_slug, slug=question_slug)
        .first()
    )
    if question is None:
        raise NotFound("No such question.")
    return question


def _visible_to(viewer: Viewer) -> Q:
    """Published content for everyone; held content also for its author; everything for moderators."""
    if viewer.is_moderator:
        return Q()
    visible = Q(moderation_state=ModerationState.PUBLISHED)
    if viewer.participant is not None:
        visible |= Q(moderation_state=ModerationState.HELD, author_id=viewer.participant.pk)
    return visible


def question_ideas(*, question: Question, viewer: Viewer, sort: str) -> QuerySet[Idea]:
    """The ideas on a question in the chosen order; "fair" is the default and never the support count.

    Fair rotation: the least shown first, ties in random order, so every idea gets seen before any
    pile of supports can decide what people read. Past ROTATION_ENOUGH_VIEWS all are equal (random).
    """
    ideas = (
        Idea.objects.filter(question=question)
        .filter(_visible_to(viewer))
        .select_related("author", "community_area")
        .defer("body", "held_reasons", "status_reason")
    )
    if sort == "newest":
        return ideas.order_by("-created_at", "-id")
    if sort == "discussed":
        return ideas.order_by("-comments_count", "-created_at", "-id")
    if sort == "picks":
        return ideas.filter(is_staff_pick=True).order_by("-created_at", "-id")
    return ideas.annotate(exposure=Least(F("views_count"), ROTATION_ENOUGH_VIEWS)).order_by("exposure", "?")


def supported_idea_ids(*, viewer: Viewer, idea_ids: list[int]) -> set[int]:
    if viewer.participant is None or not idea_ids:
        return set()
    return set(
        Support.objects.filter(participant=viewer.participant, idea_id__in=idea_ids).values_list(
            "idea_id", flat=True
        )
    )


def idea_for_page(idea_id: int) -> Idea:
    idea = (
        Idea.objects.select_related("question__space", "question__topic", "author", "community_area")
        .filter(pk=idea_id)
        .first()
    )
    if idea is None:
        raise NotFound("No such idea.")
    return idea


def idea_visible(idea: Idea, viewer: Viewer) -> bool:
    if idea.moderation_state == ModerationState.PUBLISHED or viewer.is_moderator:
        return True
    return idea.moderation_state == ModerationState.HELD and idea.author_id == viewer.participant_id


@dataclass(frozen=True)
class Thread:
    """A top-level comment with its replies (two levels: replies to replies join the same thread)."""

    comment: Comment
    replies: list[Comment]


def idea_threads(*, idea: Idea, viewer: Viewer) -> list[Thread]:
    """The idea's discussion in one query: comments in order, replies under the comment they answer."""
    comments = list(
        Comment.objects.filter(idea=idea)
        .filter(_visible_to(viewer))
        .select_related("author")
        .order_by("created_at", "id")
    )
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [Thread(comment=c, replies=replies.get(c.pk, [])) for c in comments if c.parent_id is None]


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
