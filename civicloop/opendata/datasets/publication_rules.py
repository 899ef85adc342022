"""The rules every dataset keeps: counts of people below the city's k left empty, residents' text
masked as the public pages mask it; rows read from the database in chunks of CHUNK."""

from __future__ import annotations

from django.conf import settings

from civicloop.core.text import contact_details_mask, may_hold_contact_details

CHUNK = 5000
SUPPRESSION_NOTE = (
    "Counts of fewer than {k} people are left empty, so that no one can be picked out of a small group."
)


def suppressed(count: int | None) -> int | None:
    """A count of people as published: empty below the city's k (OPENDATA_MIN_CELL)."""
    if count is None or count < settings.OPENDATA_MIN_CELL:
        return None
    return count


def _masked(text: str | None) -> str | None:
    """Residents' text as published; libphonenumber runs only when the text may hold a number."""
    if not text:
        return None
    return contact_details_mask(text) if may_hold_contact_details(text) else text
