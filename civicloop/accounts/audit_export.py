"""The staff audit log as CSV rows, safe to open in a spreadsheet."""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from civicloop.accounts.models import StaffAuditEvent

AUDIT_CSV_HEADER = ("time", "staff_username", "role", "event", "method", "route", "target", "status")
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def audit_csv_rows(events: QuerySet[StaffAuditEvent]) -> Iterator[list[str]]:
    """The header, then one row per event (read in chunks, so a long log streams in little memory)."""
    yield list(AUDIT_CSV_HEADER)
    rows: Iterable[StaffAuditEvent] = events.iterator(chunk_size=2000)
    for event in rows:
        yield [
            spreadsheet_safe(value)
            for value in (
                timezone.localtime(event.created_at).isoformat(timespec="seconds"),
                event.actor_username,
                event.actor_role,
                event.kind,
                event.method,
                event.route,
                event.target,
                event.status_code if event.status_code is not None else "",
            )
        ]
