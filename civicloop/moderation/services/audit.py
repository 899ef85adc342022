"""The audit log: every moderation step is written to it in the same transaction, exports included."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from civicloop.moderation.models import AuditEvent, ModerationCase


def _audit(
    kind: str, *, case: ModerationCase | None, actor: Any = None, moment: datetime, **detail: Any
) -> None:
    AuditEvent.objects.create(
        kind=kind,
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        detail=detail,
        created_at=moment,
    )


def export_logged(*, actor: Any, rows: int, now: datetime | None = None) -> None:
    _audit(AuditEvent.Kind.EXPORTED, case=None, actor=actor, moment=now or timezone.now(), rows=rows)
