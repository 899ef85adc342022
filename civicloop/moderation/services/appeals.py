"""The author's appeal against a first decision: once, and back to the queue with the appeal on top."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.moderation.models import Appeal, AuditEvent, Decision, ModerationCase
from civicloop.moderation.reportables import reportable_for
from civicloop.moderation.services.audit import _audit
from civicloop.moderation.services.cases import case_content
from civicloop.moderation.services.decisions import appeal_possible
from civicloop.moderation.services.errors import ModerationInvalid, ModerationRefused

APPEAL_MAX = 2000


@transaction.atomic
def appeal_create(*, case_id: int, author: Any, text: str, now: datetime | None = None) -> Appeal:
    """The author asks for a second look; the case goes back to the queue with the appeal on top."""
    text = text.strip()
    if not text:
        raise ModerationInvalid(_("Say why the decision should change."), field="text")
    if len(text) > APPEAL_MAX:
        raise ModerationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": APPEAL_MAX}, field="text"
        )
    case = ModerationCase.objects.select_for_update().get(pk=case_id)
    content = case_content(case)
    if reportable_for(content).author_id(content) != author.pk:
        raise ModerationRefused(_("Only the author can appeal a decision about their post."))
    if Appeal.objects.filter(case=case).exists():
        raise ModerationRefused(_("You appealed this decision already. An appeal can be made once."))
    first = Decision.objects.filter(case=case, stage=Decision.Stage.FIRST).first()
    if not appeal_possible(case, first):
        raise ModerationRefused(_("There is no decision against this post to appeal."))
    moment = now or timezone.now()
    appeal = Appeal.objects.create(case=case, author=author, text=text, created_at=moment)
    case.state = ModerationCase.State.APPEALED
    case.save(update_fields=["state"])
    _audit(AuditEvent.Kind.APPEALED, case=case, moment=moment)
    return appeal
