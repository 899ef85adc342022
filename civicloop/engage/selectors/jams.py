"""Jams: who may post prompts, and the live view's prompts, ideas and comments since a cursor."""

from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from civicloop.accounts.permissions import Capability, user_can
from civicloop.engage.models import Comment, Idea, JamPrompt, Question
from civicloop.engage.selectors.viewers import Viewer, _visible_to

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
