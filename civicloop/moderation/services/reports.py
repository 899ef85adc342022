"""Residents report an idea, a comment or a statement; content reported by enough different people is
hidden until a moderator looks."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.throttling import rate_limit_exceeded
from civicloop.moderation.models import AuditEvent, ModerationCase, ReasonCode, Report
from civicloop.moderation.reportables import HIDDEN, PUBLISHED, reportable_for
from civicloop.moderation.services.audit import _audit
from civicloop.moderation.services.cases import (
    URGENT_REASONS,
    Content,
    _case_open,
    _item_fields,
    _key,
    _state_set,
)
from civicloop.moderation.services.errors import ModerationInvalid, ModerationRefused, ReportLimitReached

REPORT_NOTE_MAX = 500
# Content reported by this many different people is hidden until a moderator looks (setting overrides).
REPORTS_TO_HIDE = 3
REPORTS_PER_PERSON = 10
REPORT_WINDOW_SECONDS = 60 * 60


def reports_to_hide() -> int:
    return int(getattr(settings, "MODERATION_REPORTS_TO_HIDE", REPORTS_TO_HIDE))


def report_create(
    *,
    reporter: Any,
    content: Content,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> Report:
    """A person reports an item (an idea, a comment, a statement); at `reports_to_hide()` different
    people it is hidden."""
    if reason not in ReasonCode.values:
        raise ModerationInvalid(_("Choose a reason from the list."), field="reason")
    note = note.strip()
    if len(note) > REPORT_NOTE_MAX:
        raise ModerationInvalid(
            _("Keep it under %(limit)d characters.") % {"limit": REPORT_NOTE_MAX}, field="note"
        )
    reportable = reportable_for(content)
    if reportable.author_id(content) == reporter.pk:
        raise ModerationRefused(_("You cannot report your own post. You can edit it for 15 minutes."))
    if reportable.state(content) not in (PUBLISHED, HIDDEN):
        raise ModerationRefused(_("This post is already with the moderators."))
    if Report.objects.filter(reporter=reporter, **_key(content)).exists():
        raise ModerationRefused(_("You reported this already. A moderator will look at it."))
    if rate_limit_exceeded(
        scope="moderation-report",
        subject=str(reporter.pk),
        limit=REPORTS_PER_PERSON,
        window_seconds=REPORT_WINDOW_SECONDS,
    ):
        raise ReportLimitReached(_("You have sent many reports. Please try again in an hour."))
    moment = now or timezone.now()
    with transaction.atomic():
        content = type(content).objects.select_for_update().get(pk=content.pk)
        case, _created = _case_open(content, source=ModerationCase.Source.REPORT, moment=moment)
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    case=case,
                    **_item_fields(content),
                    reporter=reporter,
                    reason=reason,
                    note=note,
                    created_at=moment,
                )
        except IntegrityError as error:  # a double click
            raise ModerationRefused(_("You reported this already. A moderator will look at it.")) from error
        reporters = Report.objects.filter(case=case).values("reporter_id").distinct().count()
        case.reports_count = reporters
        case.reasons = sorted({*case.reasons, reason})
        case.urgent = case.urgent or reason in URGENT_REASONS
        case.save(update_fields=["reports_count", "reasons", "urgent"])
        _audit(AuditEvent.Kind.REPORTED, case=case, moment=moment, reason=reason, reporters=reporters)
        if reporters >= reports_to_hide() and reportable.state(content) == PUBLISHED:
            _state_set(content, HIDDEN)
            _audit(AuditEvent.Kind.HIDDEN, case=case, moment=moment, reporters=reporters)
    return report
