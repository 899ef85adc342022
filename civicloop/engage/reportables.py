"""Engage's ideas and comments as moderation's reportables, and the supports on its questions for
moderation's looks for bursts and coordinated supports: registered from EngageConfig.ready(), so that
moderation works on them without importing engage (civicloop.moderation.reportables)."""

from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.engage.models import (
    Comment,
    CommentRevision,
    Idea,
    IdeaRevision,
    ModerationState,
    Participant,
    Question,
    Support,
)
from civicloop.engage.services.bursts import support_bursts_flag, supports_recount
from civicloop.engage.services.comments import COMMENT_MAX
from civicloop.engage.services.ideas import IDEA_BODY_MAX
from civicloop.moderation import reportables


def _author(content: Idea | Comment) -> Participant:
    return Participant.objects.select_related("contact_point__subscriber").get(pk=content.author_id)


def _notice(idea_id: int, *, is_comment: bool) -> dict[str, Any]:
    return {
        "is_comment": is_comment,
        "idea_title": Idea.objects.filter(pk=idea_id).values_list("title", flat=True).first() or "",
        "idea_path": reverse("engage:idea", args=[idea_id]),
    }


def _notice_of(idea_id: int, *, is_comment: bool) -> dict[str, Any]:
    return _notice(idea_id, is_comment=is_comment) | {"what": "comment" if is_comment else "idea"}


def _ideas_described(cases: list[Any]) -> dict[int, reportables.Described]:
    """From the idea moderation's queue and case page join (case.idea): no query."""
    return {
        case.pk: reportables.Described(
            label=_("Idea"),
            heading=_("The idea"),
            yours=_("Your idea"),
            title=case.idea.title,
            body=case.idea.body,
            author_name=case.idea.author.display_name,
            path=case.idea.get_absolute_url(),
            context=case.idea.question.text,
            where="",
            state_label=case.idea.get_moderation_state_display(),
        )
        for case in cases
    }


def _comments_described(cases: list[Any]) -> dict[int, reportables.Described]:
    """From the comment and its idea moderation's queue and case page join: no query."""
    return {
        case.pk: reportables.Described(
            label=_("Comment"),
            heading=_("The comment"),
            yours=_("Your comment"),
            title="",
            body=case.comment.body,
            author_name=case.comment.author.display_name,
            path=f"{case.idea.get_absolute_url()}#comment-{case.comment_id}",
            context=case.idea.question.text,
            where=_("On the idea “%(title)s”") % {"title": case.idea.title},
            state_label=case.comment.get_moderation_state_display(),
        )
        for case in cases
    }


def _idea_edit(idea: Idea, title: str, body: str, moment: datetime) -> None:
    IdeaRevision.objects.create(idea=idea, title=idea.title, body=idea.body, created_at=moment)
    Idea.objects.filter(pk=idea.pk).update(title=title, body=body, edited_at=moment)


def _comment_edit(comment: Comment, title: str, body: str, moment: datetime) -> None:
    CommentRevision.objects.create(comment=comment, body=comment.body, created_at=moment)
    Comment.objects.filter(pk=comment.pk).update(body=body, edited_at=moment)


def _comment_state_changed(comment: Comment, before: str, after: str) -> None:
    """Keep the idea's published-comment count in step."""
    published = ModerationState.PUBLISHED
    if after == published:
        Idea.objects.filter(pk=comment.idea_id).update(comments_count=F("comments_count") + 1)
    elif before == published:
        Idea.objects.filter(pk=comment.idea_id, comments_count__gt=0).update(
            comments_count=F("comments_count") - 1
        )


IDEA = reportables.Reportable(
    kind="idea",
    model=Idea,
    case_fields=lambda idea: {"idea_id": idea.pk, "comment_id": None},
    text=lambda idea: (idea.title, idea.body),
    has_title=True,
    body_max=IDEA_BODY_MAX,
    edit=_idea_edit,
    state_changed=lambda idea, before, after: None,
    author=_author,
    notice=lambda idea: _notice_of(idea.pk, is_comment=False),
    listed=lambda states: list(
        Idea.objects.filter(moderation_state__in=states).select_related("question").order_by("id")
    ),
    export_place=lambda idea: (idea.pk, idea.question.text, idea.title),
    described=_ideas_described,
)

COMMENT = reportables.Reportable(
    kind="comment",
    model=Comment,
    case_fields=lambda comment: {"idea_id": comment.idea_id, "comment_id": comment.pk},
    text=lambda comment: ("", comment.body),
    has_title=False,
    body_max=COMMENT_MAX,
    edit=_comment_edit,
    state_changed=_comment_state_changed,
    author=_author,
    notice=lambda comment: _notice_of(comment.idea_id, is_comment=True),
    listed=lambda states: list(
        Comment.objects.filter(moderation_state__in=states).select_related("idea__question").order_by("id")
    ),
    export_place=lambda comment: (comment.idea.pk, comment.idea.question.text, ""),
    described=_comments_described,
)


def _support_rows(question: Question, exclude: Any) -> list[tuple[int, int, datetime, str, datetime]]:
    return list(
        Support.objects.filter(idea__question=question, participant__user__isnull=True)
        .exclude(exclude)
        .order_by("participant_id", "created_at", "id")
        .values_list("participant_id", "idea_id", "created_at", "network_key", "participant__created_at")
    )


def _recent_questions(opened_by: datetime, closes_after: datetime) -> QuerySet[Question]:
    return Question.objects.filter(opens_at__lte=opened_by, closes_at__gte=closes_after).order_by("id")


SUPPORTS = reportables.QuestionSupports(
    questions=lambda ids: Question.objects.filter(pk__in=ids).order_by("id"),
    recent=_recent_questions,
    rows=_support_rows,
    recount=supports_recount,
    titles=lambda ids: dict(Idea.objects.filter(pk__in=ids).values_list("pk", "title")),
    question_of=lambda idea_id: Idea.objects.filter(pk=idea_id).values_list("question_id", flat=True).first(),
    bursts_flag=lambda idea_ids: support_bursts_flag(idea_ids=idea_ids),
)


def register() -> None:
    """Called from EngageConfig.ready(): ideas, then comments (the export lists them in this order)."""
    reportables.reportable_register(IDEA)
    reportables.reportable_register(COMMENT)
    reportables.question_supports_register(SUPPORTS)
