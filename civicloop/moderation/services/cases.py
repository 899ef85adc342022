"""The moderation case of an idea or a comment: one pending case per item (even under a race), and
the item's moderation state kept in step with the idea's published-comment count."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from civicloop.engage.models import Comment, Idea, ModerationState
from civicloop.moderation.models import AuditEvent, ModerationCase
from civicloop.moderation.services.audit import _audit

URGENT_REASONS = {"threat"}


Content = Idea | Comment


def case_content(case: ModerationCase) -> Content:
    return case.comment if case.comment_id is not None else case.idea  # type: ignore[return-value]


def _key(content: Content) -> dict[str, Any]:
    if isinstance(content, Comment):
        return {"idea_id": content.idea_id, "comment_id": content.pk}
    return {"idea_id": content.pk, "comment__isnull": True}


def _pending_case(content: Content) -> ModerationCase | None:
    return (
        ModerationCase.objects.select_for_update()
        .filter(**_key(content), state__in=[ModerationCase.State.OPEN, ModerationCase.State.APPEALED])
        .first()
    )


def _case_open(
    content: Content, *, source: str, moment: datetime, **fields: Any
) -> tuple[ModerationCase, bool]:
    """The item's pending case, or a new one (one pending case per item, even under a race)."""
    case = _pending_case(content)
    if case is not None:
        return case, False
    key = (
        {"idea_id": content.idea_id, "comment_id": content.pk}
        if isinstance(content, Comment)
        else {"idea_id": content.pk}
    )
    try:
        with transaction.atomic():
            case = ModerationCase.objects.create(**key, source=source, opened_at=moment, **fields)
    except IntegrityError:  # someone opened it at the same moment
        existing = _pending_case(content)
        if existing is None:
            raise
        return existing, False
    _audit(AuditEvent.Kind.OPENED, case=case, moment=moment, source=source, reasons=case.reasons)
    return case, True


def _state_set(content: Content, state: str) -> None:
    """Change the content's moderation state, keeping the idea's published-comment count in step."""
    before = content.moderation_state
    if before == state:
        return
    type(content).objects.filter(pk=content.pk).update(moderation_state=state)
    content.moderation_state = state
    if isinstance(content, Comment):
        published = ModerationState.PUBLISHED
        if state == published:
            Idea.objects.filter(pk=content.idea_id).update(comments_count=F("comments_count") + 1)
        elif before == published:
            Idea.objects.filter(pk=content.idea_id, comments_count__gt=0).update(
                comments_count=F("comments_count") - 1
            )
