"""Comments on ideas and replies to them (two levels), and their correction by the author."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.engage.models import Comment, CommentRevision, Idea, ModerationState, Participant
from civicloop.engage.selectors import Viewer
from civicloop.engage.services.civility import _moderation_case, _moderation_fields
from civicloop.engage.services.errors import EngageInvalid
from civicloop.engage.services.posting import _editable, _posting_allowed, _posting_limits
from civicloop.engage.services.typed_input import _required_text

COMMENT_MAX = 2000


def comment_create(
    *, idea: Idea, viewer: Viewer, body: str, parent: Comment | None = None, now: datetime | None = None
) -> Comment:
    """Comment on an idea, or reply to a comment; a reply to a reply joins its thread (two levels)."""
    moment = now or timezone.now()
    body = _required_text(body, field="body", limit=COMMENT_MAX, message=_("Write your comment."))
    author = _posting_allowed(question=idea.question, viewer=viewer, now=moment)
    if parent is not None and parent.idea_id != idea.pk:
        raise EngageInvalid(_("You can only reply to a comment on this idea."), field="parent")
    _posting_limits(author, now=moment)
    return _comment_store(idea=idea, author=author, body=body, parent=parent, moment=moment)


def _comment_store(
    *,
    idea: Idea,
    author: Participant,
    body: str,
    parent: Comment | None,
    moment: datetime,
    official_department: str = "",
) -> Comment:
    moderation = (
        {"moderation_state": ModerationState.PUBLISHED} if official_department else _moderation_fields(body)
    )
    with transaction.atomic():
        comment = Comment.objects.create(
            idea=idea,
            author=author,
            body=body,
            parent_id=(parent.parent_id or parent.pk) if parent is not None else None,
            is_official=bool(official_department),
            department=official_department,
            created_at=moment,
            **moderation,
        )
        if comment.moderation_state == ModerationState.PUBLISHED:
            Idea.objects.filter(pk=idea.pk).update(comments_count=F("comments_count") + 1)
        _moderation_case(comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, viewer: Viewer, body: str, now: datetime | None = None) -> Comment:
    """The author corrects their comment within 15 minutes; the earlier text is kept."""
    moment = now or timezone.now()
    body = _required_text(body, field="body", limit=COMMENT_MAX, message=_("Write your comment."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    _editable(created_at=comment.created_at, author_id=comment.author_id, viewer=viewer, now=moment)
    CommentRevision.objects.create(comment=comment, body=comment.body, created_at=moment)
    comment.body, comment.edited_at = body, moment
    if (
        comment.moderation_state in (ModerationState.PUBLISHED, ModerationState.HELD)
        and not comment.is_official
    ):
        for name, value in _moderation_fields(body).items():
            setattr(comment, name, value)
    comment.save()
    _moderation_case(comment)
    return comment
