"""The rows for Python (JSON, GeoJSON, the datastore): residents' text masked in the flagged rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.db.models import Q

from civicloop.core.text import contact_details_mask
from civicloop.opendata.registry import Row
from civicloop.opendata.tables.table_query import CHUNK, _ordered, _query

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset


def published_text(text: str | None) -> str | None:
    """Residents' text as published: emails and phone numbers masked, empty as None."""
    return contact_details_mask(text) if text else None


def table_rows(dataset: Dataset, where: Q | None = None) -> Iterator[Row]:
    """The rows in the published form, in order."""
    table = _query(dataset)
    masked = [i for i, name in enumerate(dataset.column_names) if name in table.masked]
    rows = _ordered(dataset, where).values_list(*table.fields, table.may_hold_contact_details)
    for *values, may_hold in rows.iterator(chunk_size=CHUNK):
        for index in masked:
            values[index] = published_text(values[index]) if may_hold else (values[index] or None)
        yield values


def csv_values(row: Row, booleans: Sequence[int]) -> list[object]:
    """A row as Socrata and CKAN write CSV: lowercase booleans (None stays an empty field)."""
    values: list[object] = list(row)
    for index in booleans:
        value = values[index]
        if value is not None:
            values[index] = "true" if value else "false"
    return values
