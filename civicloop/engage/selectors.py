"""Reads for engage: who is looking, what they may see, and the pages' lists in a fixed number of queries."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import chain
from typing import Any, overload

import numpy as np
from django.core.cache import cache as django_cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicloop.accounts.permissions import Capability, user_can
from civicloop.core.errors import NotFound
from civicloop.engage.models import (
    Comment,
    Idea,
    IdeaFollower,
    IdeaStatusChange,
    JamPrompt,
    ModerationState,
    Participant,
    Question,
    Space,
    SpaceInvitee,
    Support,
)
from civicloop.places.models import CommunityArea

logger = logging.getLogger(__name__)

SORTS = ("fair", "newest", "discussed", "picks", "bridging")
# A question's bridging order is kept this long at most; any new idea, support, withdrawn support or
# moderation of an idea changes its key first (_bridging_key).
BRIDGING_CACHE_SECONDS = 60 * 60


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


def _visible_to(viewer: Viewer, prefix: str = "") -> Q:
    """Published content for everyone; held content also for its author; everything for moderators.

    `prefix` applies the same rule to a related row, e.g. "idea__" for the idea a comment is on.
    """
    if viewer.is_moderator:
        return Q()
    visible = Q(**{f"{prefix}moderation_state": ModerationState.PUBLISHED})
    if viewer.participant is not None:
        visible |= Q(
            **{f"{prefix}moderation_state": ModerationState.HELD, f"{prefix}author_id": viewer.participant.pk}
        )
    return visible


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
        .defer("community_area__boundary")  # the area's GeoJSON outline: about 28 KB, never shown
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


# ------------------------------------------------------------------------------------------------- jams

# Staff roles that run engagement may prompt in any jam; anyone else only in the jams they host.
JAM_STAFF_CAPABILITIES = (Capability.WORK_SERVICE_QUEUES, Capability.COMPOSE_ANNOUNCEMENTS)
# The jam page shows this much recent activity; one live update brings at most this much of each kind.
JAM_ACTIVITY_SHOWN = 20
JAM_UPDATE_MAX = 50


def jam_prompt_allowed(question: Question, user: Any) -> bool:
    """Whether this login may post prompts in this jam (its hosts, and staff who run engagement)."""
    if not question.is_jam or not getattr(user, "is_authenticated", False):
        return False
    if any(user_can(user, capability) for capability in JAM_STAFF_CAPABILITIES):
        return True
    return question.hosts.filter(pk=user.pk).exists()


@dataclass(frozen=True)
class JamCursor:
    """The newest prompt, idea and comment a browser already shows; a live update brings what is newer."""

    prompt_id: int = 0
    idea_id: int = 0
    comment_id: int = 0


@dataclass(frozen=True)
class JamActivity:
    """One line of the jam's live view: a new idea, or a new comment on an idea."""

    idea: Idea
    comment: Comment | None
    created_at: datetime


@dataclass(frozen=True)
class JamUpdates:
    prompts: list[JamPrompt]
    activity: list[JamActivity]
    cursor: JamCursor


def jam_updates(*, question: Question, viewer: Viewer, after: JamCursor | None = None) -> JamUpdates:
    """Prompts, ideas and comments of a jam in three queries, newest first.

    Without `after`: the latest of each (the page as first shown). With it: only rows newer than the
    cursor, at most JAM_UPDATE_MAX of each; the returned cursor is where the next update starts.
    """
    limit = JAM_ACTIVITY_SHOWN if after is None else JAM_UPDATE_MAX
    start = after or JamCursor()
    prompts = list(
        JamPrompt.objects.filter(question=question, pk__gt=start.prompt_id).order_by("-id")[:limit]
    )
    ideas = list(
        Idea.objects.filter(question=question, pk__gt=start.idea_id)
        .filter(_visible_to(viewer))
        .select_related("author", "community_area")
        .defer("body", "held_reasons", "status_reason", "embedding", "community_area__boundary")
        .order_by("-id")[:limit]
    )
    comments = list(
        Comment.objects.filter(idea__question=question, pk__gt=start.comment_id)
        .filter(_visible_to(viewer), _visible_to(viewer, prefix="idea__"))
        .select_related("author", "idea")
        .defer("held_reasons", "idea__body", "idea__held_reasons", "idea__status_reason", "idea__embedding")
        .order_by("-id")[:limit]
    )
    activity = sorted(
        chain(
            (JamActivity(idea=idea, comment=None, created_at=idea.created_at) for idea in ideas),
            (JamActivity(idea=c.idea, comment=c, created_at=c.created_at) for c in comments),
        ),
        key=lambda item: item.created_at,
        reverse=True,
    )
    cursor = JamCursor(
        prompt_id=max((prompt.pk for prompt in prompts), default=start.prompt_id),
        idea_id=max((idea.pk for idea in ideas), default=start.idea_id),
        comment_id=max((comment.pk for comment in comments), default=start.comment_id),
    )
    return JamUpdates(prompts=prompts, activity=activity[:limit], cursor=cursor)


# The summary lists statuses in the order of the work: done first, then under way, then the rest.
SUMMARY_STATUS_ORDER = [
    Idea.Status.IMPLEMENTED,
    Idea.Status.IN_PROGRESS,
    Idea.Status.ACCEPTED,
    Idea.Status.UNDER_CONSIDERATION,
    Idea.Status.NOT_PLANNED,
]


@dataclass(frozen=True)
class SummaryGroup:
    """The ideas about one community area (area None: the whole city, or no one area)."""

    area_name: str | None
    ideas: list[Idea]


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class QuestionSummary:
    groups: list[SummaryGroup]
    status_counts: list[StatusCount]
    idea_count: int
    prompts: list[JamPrompt]


def question_summary(question: Question) -> QuestionSummary:
    """The public record of a question in two queries: published ideas grouped by community area.

    Ideas carry no topic of their own (the question has one), so the place an idea is about is the
    grouping; within a group, ideas go by official status (done first), then by supports.
    """
    rank = {status.value: index for index, status in enumerate(SUMMARY_STATUS_ORDER)}
    ideas = sorted(
        Idea.objects.filter(question=question, moderation_state=ModerationState.PUBLISHED)
        .select_related("community_area")
        .defer("body", "held_reasons", "embedding", "community_area__boundary"),
        key=lambda idea: (rank.get(idea.status, len(rank)), -idea.supports_count, idea.pk),
    )
    by_area: dict[str | None, list[Idea]] = {}
    for idea in ideas:
        by_area.setdefault(idea.community_area.name if idea.community_area else None, []).append(idea)
    groups = [
        SummaryGroup(area_name=name, ideas=by_area[name])
        for name in sorted(by_area, key=lambda name: (name is not None, name or ""))
    ]
    counts = {status: 0 for status in SUMMARY_STATUS_ORDER}
    for idea in ideas:
        counts[Idea.Status(idea.status)] += 1
    return QuestionSummary(
        groups=groups,
        status_counts=[
            StatusCount(status=status.value, label=str(status.label), count=counts[status])
            for status in SUMMARY_STATUS_ORDER
        ],
        idea_count=len(ideas),
        prompts=list(JamPrompt.objects.filter(question=question).order_by("-id")),
    )


# -------------------------------------------------------------------------------------------- similar ideas

SIMILAR_IDEAS_SHOWN = 5
# Under multilingual-e5-small any two city ideas score 0.75-0.85, and longer drafts score higher with
# everything, so a fixed cut-off fails. An idea counts as similar when it beats the draft's typical
# score (the median over the question's ideas and the texts below) by this margin: on sample ideas,
# the same idea in English or Spanish was 0.05-0.12 above, different ideas at most 0.035.
SIMILAR_IDEA_MARGIN = 0.04
SIMILARITY_BASELINE_TEXTS = (
    "Longer opening hours at the library",
    "More street lights in the alley\n\nIt is dark and unsafe at night.",
    "Más contenedores de reciclaje\n\nLos que hay siempre están llenos.",
    "Free concerts in the park in summer",
    "Cheaper parking permits for residents\n\nParking costs too much for families.",
    "A crosswalk near the school",
    "Más clases de inglés para adultos",
    "Paint murals on empty walls\n\nArt makes the block feel cared for.",
)
EMBEDDING_DTYPE = np.float16


def idea_text_embedding(title: str, body: str) -> np.ndarray | None:
    """The embedding of an idea's text (or of a draft), or None when the embedder cannot run here."""
    text = f"{title.strip()}\n\n{body.strip()}".strip()
    if not text:
        return None
    from civicloop.moderation.checks import text_embed  # local: loads the model only when used

    try:
        return text_embed([text])[0]
    except (ImportError, OSError, RuntimeError):  # no model on this machine: ideas post, unsuggested
        logger.warning("The text embedder is unavailable; similar ideas are not suggested.", exc_info=True)
        return None


@cache
def _baseline_embeddings() -> np.ndarray:
    from civicloop.moderation.checks import text_embed

    return text_embed(list(SIMILARITY_BASELINE_TEXTS))


def embedding_to_bytes(embedding: np.ndarray | None) -> bytes | None:
    return None if embedding is None else embedding.astype(EMBEDDING_DTYPE).tobytes()


def similar_ideas(*, question: Question, title: str, body: str = "") -> list[Idea]:
    """Up to SIMILAR_IDEAS_SHOWN published ideas on the question most like a draft, best first (2 queries).

    Cosine similarity over the stored embeddings of the question's ideas, in one numpy product, kept
    when it stands out from the draft's typical similarity (see SIMILAR_IDEA_MARGIN).
    """
    rows = list(
        Idea.objects.filter(
            question=question, moderation_state=ModerationState.PUBLISHED, embedding__isnull=False
        ).values_list("pk", "embedding")
    )
    if not rows:
        return []
    draft = idea_text_embedding(title, body)
    if draft is None:
        return []
    matrix = np.frombuffer(b"".join(bytes(raw or b"") for _pk, raw in rows), dtype=EMBEDDING_DTYPE)
    scores = matrix.reshape(len(rows), -1).astype(np.float32) @ draft
    baseline = _baseline_embeddings() @ draft
    # Capped, so a question full of near-copies of the draft cannot raise the bar above them all.
    typical = min(float(np.median(np.concatenate([scores, baseline]))), float(np.median(baseline)) + 0.02)
    best = [
        index
        for index in np.argsort(-scores)[:SIMILAR_IDEAS_SHOWN]
        if scores[index] - typical >= SIMILAR_IDEA_MARGIN
    ]
    if not best:
        return []
    ranked_ids = [rows[index][0] for index in best]
    found = (
        Idea.objects.select_related("community_area")
        .defer("held_reasons", "embedding", "community_area__boundary")
        .in_bulk(ranked_ids)
    )
    return [found[pk] for pk in ranked_ids if pk in found]


# ------------------------------------------------------------------------------- public reads (JSON API)

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
