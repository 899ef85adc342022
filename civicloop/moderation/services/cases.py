"""The moderation case of a reportable item (an idea, a comment, a statement): one pending case per
item (even under a race), and the item's moderation state changed with its kind's counts kept in step."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from civicloop.moderation.models import AuditEvent, ModerationCase
from civicloop.moderation.reportables import reportable_for, reportable_of_kind
from civicloop.moderation.services.audit import _audit

URGENT_REASONS = {"threat"}


# An item of a kind registered with moderation (civicloop.moderation.reportables): an idea, a comment,
# a statement.
Content = Any


def case_content(case: ModerationCase, *, for_update: bool = False) -> Content:
    """The case's item, found through the app that registered its kind."""
    items = reportable_of_kind(case.kind).model.objects
    return (items.select_for_update() if for_update else items).get(pk=case.content_id)


def _key(content: Content) -> dict[str, Any]:
    """The columns naming the item in a case or report: (kind, content_id)."""
    return {"kind": reportable_for(content).kind, "content_id": content.pk}


def _pending_case(content: Content) -> ModerationCase | None:
    return (
        ModerationCase.objects.select_for_update()
        .filter(**_key(content), state__in=[ModerationCase.State.OPEN, ModerationCase.State.APPEALED])
        .first()
    )


def _item_fields(content: Content) -> dict[str, Any]:
    """A new case's or report's item columns, with those its kind's app fills for its own pages."""
    return reportable_for(content).case_fields(content) | _key(content)


def _case_open(
    content: Content, *, source: str, moment: datetime, **fields: Any
) -> tuple[ModerationCase, bool]:
    """The item's pending case, or a new one (one pending case per item, even under a race)."""
    case = _pending_case(content)
    if case is not None:
        return case, False
    try:
        with transaction.atomic():
            case = ModerationCase.objects.create(
                **_item_fields(content), source=source, opened_at=moment, **fields
            )
    except IntegrityError:  # someone opened it at the same moment
        existing = _pending_case(content)
        if existing is None:
            raise
        return existing, False
    _audit(AuditEvent.Kind.OPENED, case=case, moment=moment, source=source, reasons=case.reasons)
    return case, True


def _state_set(content: Content, state: str) -> None:
    """Change the content's moderation state; its kind keeps its counts in step (an idea's published
    comments)."""
    reportable = reportable_for(content)
    before = reportable.state(content)
    if before == state:
        return
    reportable.state_store(content, state)
    reportable.state_changed(content, before, state)
