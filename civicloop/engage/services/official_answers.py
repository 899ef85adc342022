"""The city answers: official replies, status changes on an idea's timeline, staff picks, by department."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.permissions import department_may_act
from civicloop.engage.models import Comment, Idea, IdeaStatusChange, Question
from civicloop.engage.notifications import idea_changes_notify, official_replies_notify
from civicloop.engage.services.comments import COMMENT_MAX, _comment_store
from civicloop.engage.services.errors import EngageInvalid, EngageRefused
from civicloop.engage.services.participants import participant_for_staff
from civicloop.engage.services.typed_input import _required_text

REASON_MAX = 1000


def _department(user: Any, question: Question) -> str:
    return (getattr(user, "department", "") or question.department)[:100]


def answering_check(user: Any, idea: Idea) -> None:
    """EngageRefused unless `user` may answer this idea for its question's department."""
    if not department_may_act(user, idea.question.department):
        raise EngageRefused(
            _("Only %(department)s answers ideas on this question.")
            % {"department": idea.question.department}
        )


def official_reply_create(
    *, idea: Idea, user: Any, body: str, parent: Comment | None = None, now: datetime | None = None
) -> Comment:
    """A staff answer with the "Official response — <department>" badge; the idea's people are told."""
    answering_check(user, idea)
    moment = now or timezone.now()
    body = _required_text(body, field="body", limit=COMMENT_MAX, message=_("Write the reply."))
    author = participant_for_staff(user)
    with transaction.atomic():
        comment = _comment_store(
            idea=idea,
            author=author,
            body=body,
            parent=parent,
            moment=moment,
            official_department=_department(user, idea.question),
        )
        official_replies_notify([comment])
    return comment


@transaction.atomic
def idea_status_change(
    *, idea: Idea, status: str, reason: str = "", actor: Any = None, now: datetime | None = None
) -> IdeaStatusChange:
    """A new status for an idea (not planned needs a reason), on its timeline and told to its people."""
    if actor is not None:
        answering_check(actor, idea)
    if status not in Idea.Status.values:
        raise EngageInvalid(_("Choose a status from the list."), field="status")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise EngageInvalid(_("Keep it under %(limit)d characters.") % {"limit": REASON_MAX}, field="reason")
    if status == Idea.Status.NOT_PLANNED and not reason:
        raise EngageInvalid(_("Say why the idea is not planned."), field="reason")
    moment = now or timezone.now()
    idea = Idea.objects.select_for_update().select_related("question").get(pk=idea.pk)
    idea.status, idea.status_reason = status, reason
    idea.save(update_fields=["status", "status_reason"])
    change = IdeaStatusChange.objects.create(
        idea=idea,
        status=status,
        reason=reason,
        department=_department(actor, idea.question),
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=moment,
    )
    idea_changes_notify([change])
    return change


def idea_staff_pick_set(*, idea: Idea, picked: bool, user: Any = None) -> None:
    if user is not None:
        answering_check(user, idea)
    Idea.objects.filter(pk=idea.pk).update(is_staff_pick=picked)
