"""Writes for moderation: cases from the check, reports and bursts; decisions; appeals; the export log.

A machine only ever holds or hides content pending review; only a moderator removes it, and nothing
is ever deleted. Every step is written to the audit log (`AuditEvent`) in the same transaction.
One module per concern; everything callers use is here.
"""

from civicloop.moderation.services.appeals import APPEAL_MAX, appeal_create
from civicloop.moderation.services.audit import export_logged
from civicloop.moderation.services.bursts import burst_case_open
from civicloop.moderation.services.cases import URGENT_REASONS, Content, case_content
from civicloop.moderation.services.decisions import (
    DECISION_TEMPLATE,
    NOTE_MAX,
    DecisionInput,
    appeal_possible,
    case_decide,
    decision_notify,
)
from civicloop.moderation.services.errors import (
    AlreadyDecided,
    ModerationInvalid,
    ModerationRefused,
    ReportLimitReached,
)
from civicloop.moderation.services.holds import content_checked
from civicloop.moderation.services.reports import (
    REPORT_NOTE_MAX,
    REPORT_WINDOW_SECONDS,
    REPORTS_PER_PERSON,
    REPORTS_TO_HIDE,
    report_create,
    reports_to_hide,
)

__all__ = [
    "APPEAL_MAX",
    "DECISION_TEMPLATE",
    "NOTE_MAX",
    "REPORTS_PER_PERSON",
    "REPORTS_TO_HIDE",
    "REPORT_NOTE_MAX",
    "REPORT_WINDOW_SECONDS",
    "URGENT_REASONS",
    "AlreadyDecided",
    "Content",
    "DecisionInput",
    "ModerationInvalid",
    "ModerationRefused",
    "ReportLimitReached",
    "appeal_create",
    "appeal_possible",
    "burst_case_open",
    "case_content",
    "case_decide",
    "content_checked",
    "decision_notify",
    "export_logged",
    "report_create",
    "reports_to_hide",
]
