"""Records requests: a resident's data exported, or erased while the public record stays (issue 15).

Each request is recorded (RecordsRequest) and logged, by which identifiers were given and how many rows
each dataset had, never by the address or number itself.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.records.errors import RecordsInvalid
from civicloop.records.models import RecordsRequest
from civicloop.records.registry import Subject, holdings
from civicloop.records.selectors import export_counts, records_export

logger = logging.getLogger(__name__)


class ExportEncoder(DjangoJSONEncoder):
    """Times in full ISO 8601 (Django's encoder cuts them to milliseconds: an export is exact)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _record(
    *, kind: str, subject: Subject, source: str, actor: Any, counts: dict[str, Any], now: datetime
) -> None:
    RecordsRequest.objects.create(
        kind=kind,
        source=source,
        identified_by=subject.identified_by,
        actor=actor if getattr(actor, "pk", None) else None,
        counts=counts,
        created_at=now,
    )


def records_export_json(
    *, subject: Subject, source: str, actor: Any = None, now: datetime | None = None
) -> bytes:
    """The export as one UTF-8 JSON document (ISO 8601 dates); the request is recorded."""
    document = records_export(subject)
    counts = export_counts(document)
    _record(
        kind=RecordsRequest.Kind.EXPORT,
        subject=subject,
        source=source,
        actor=actor,
        counts=counts,
        now=now or timezone.now(),
    )
    logger.info(
        "records: export (%s) by %s, %d rows in %d datasets",
        subject.identified_by,
        source,
        sum(counts.values()),
        len(counts),
    )
    text = json.dumps(document, cls=ExportEncoder, ensure_ascii=False, indent=2, sort_keys=False)
    return text.encode("utf-8")


@dataclass(frozen=True)
class ErasureOutcome:
    # dataset name → (what erasure does to it, rows held, rows changed)
    datasets: dict[str, tuple[str, int, int]]

    @property
    def changed(self) -> int:
        return sum(changed for _action, _held, changed in self.datasets.values())


def records_erase(
    *, subject: Subject, source: str, actor: Any = None, now: datetime | None = None
) -> ErasureOutcome:
    """Erase the resident's personal data in one transaction; the public record stays.

    Purely personal rows are deleted (conversations by text, follows, consent records); contact
    details are replaced or emptied; ideas, comments and 311 requests stay public, their author shown
    as a former resident. Suppressions stay, so a number that texted STOP stays stopped. Raises
    RecordsInvalid when the actor's own account is among the subject's.
    """
    if getattr(actor, "pk", None) in subject.user_ids:
        # An administrator erasing their own account would lock themselves out mid-request.
        raise RecordsInvalid(_("This is your own account: another administrator must erase it."))
    moment = now or timezone.now()
    datasets: dict[str, tuple[str, int, int]] = {}
    with transaction.atomic():
        for declared in holdings():
            rows = declared.rows(subject)
            held = rows.count()
            if not held:
                continue
            changed = declared.erase(rows, subject, moment) if declared.erase is not None else 0
            datasets[declared.name] = (str(declared.erasure), held, changed)
        _record(
            kind=RecordsRequest.Kind.ERASURE,
            subject=subject,
            source=source,
            actor=actor,
            counts={
                name: {"action": action, "held": held, "changed": changed}
                for name, (action, held, changed) in datasets.items()
            },
            now=moment,
        )
    outcome = ErasureOutcome(datasets=datasets)
    logger.info(
        "records: erasure (%s) by %s, %d rows changed in %d datasets",
        subject.identified_by,
        source,
        outcome.changed,
        len(datasets),
    )
    return outcome
