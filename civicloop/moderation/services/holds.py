"""The automatic check's holds: held content gets a case in the queue; a case the check alone opened
is closed when the author's edit passes."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from civicloop.moderation.models import AuditEvent, ModerationCase
from civicloop.moderation.reportables import HELD, reportable_for
from civicloop.moderation.services.audit import _audit
from civicloop.moderation.services.cases import URGENT_REASONS, Content, _case_open, _pending_case


@transaction.atomic
def content_checked(content: Content, *, now: datetime | None = None) -> ModerationCase | None:
    """Called by a content app (engage) after each new or edited idea or comment was checked.

    Held content gets a case in the queue (urgent for a threat). If the author's edit passes the check,
    a case the check alone opened is closed: the machine never decided against anyone.
    """
    moment = now or timezone.now()
    reasons = list(content.held_reasons or [])
    if reportable_for(content).state(content) == HELD:
        urgent = bool(URGENT_REASONS & set(reasons))
        case, created = _case_open(
            content,
            source=ModerationCase.Source.CHECK,
            moment=moment,
            reasons=reasons,
            score=content.civility_score,
            urgent=urgent,
        )
        if not created:
            case.reasons = sorted(set(case.reasons) | set(reasons))
            case.score = max(case.score, content.civility_score)
            case.urgent = case.urgent or urgent
            case.save(update_fields=["reasons", "score", "urgent"])
            _audit(AuditEvent.Kind.RECHECKED, case=case, moment=moment, reasons=reasons)
        return case
    pending = _pending_case(content)
    if pending is not None and pending.source == ModerationCase.Source.CHECK and pending.reports_count == 0:
        ModerationCase.objects.filter(pk=pending.pk).update(
            state=ModerationCase.State.CLOSED, decided_at=moment
        )
        pending.state = ModerationCase.State.CLOSED
        _audit(AuditEvent.Kind.RECHECKED, case=pending, moment=moment, reasons=reasons, closed=True)
    return pending
