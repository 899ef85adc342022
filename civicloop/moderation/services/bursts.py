"""A case for a burst of supports on an idea, opened when the content app's look found one (engage's
support_bursts_flag): at most one pending case per idea."""

from datetime import datetime
from typing import Any

from django.db import transaction

from civicloop.moderation.models import ModerationCase
from civicloop.moderation.services.cases import Content, _case_open, _pending_case


def burst_case_open(
    content: Content, *, moment: datetime, reasons: list[str], evidence: dict[str, Any]
) -> ModerationCase | None:
    """Open a burst case for the item with this evidence, unless it has a pending case; the case opened."""
    with transaction.atomic():
        if _pending_case(content) is not None:
            return None
        case, created = _case_open(
            content,
            source=ModerationCase.Source.BURST,
            moment=moment,
            reasons=reasons,
            evidence=evidence,
        )
    return case if created else None
