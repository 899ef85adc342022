"""Columns by name and the caller's values coerced to a column's type, as the datastore stores them."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from civicloop.opendata.registry import Column, ColumnType, Dataset
from civicloop.opendata.soql.conditions import ROW_ID, Scalar
from civicloop.opendata.soql.errors import NO_SUCH_COLUMN, TYPE_MISMATCH, QueryInvalid

_STRING_KINDS = frozenset({ColumnType.TEXT, ColumnType.TIMESTAMP, ColumnType.DATE})
_NUMERIC_KINDS = frozenset({ColumnType.INTEGER, ColumnType.NUMBER})


_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_TIMESTAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?$"
)


def column_resolve(dataset: Dataset, name: str) -> Column:
    """The dataset's column of this name (``_id``/``:id`` for the row number), or a no-such-column error."""
    if name in ("_id", ":id"):
        return ROW_ID
    try:
        return dataset.column(name)
    except KeyError:
        raise QueryInvalid(f"No such column: {name}", code=NO_SUCH_COLUMN, field=name) from None


def timestamp_normalise(text: str) -> str | None:
    """'2026-01-01', '2026-01-01T00:00:00', '…Z', '…+01:00', '….000' → '2026-01-01T00:00:00Z' (UTC).

    None when the text is no such time, or names a fraction of a second (the datastore keeps whole
    seconds, so a comparison with one would silently round)."""
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        return None
    fraction = match["fraction"] or ""
    if fraction.strip("0"):
        return None
    zone = match["zone"] or "Z"
    if zone != "Z" and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        moment = datetime.fromisoformat(
            f"{match['date']}T{match['hour'] or '00'}:{match['minute'] or '00'}:{match['second'] or '00'}"
            + ("+00:00" if zone == "Z" else zone)
        )
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _mismatch(column: Column, value: object) -> QueryInvalid:
    return QueryInvalid(
        f"Type mismatch: column {column.name} is {column.type.value}, the value {value!r} is not",
        code=TYPE_MISMATCH,
        field=column.name,
    )


def value_for(column: Column, value: object) -> Scalar:
    """The caller's value as the datastore stores values of this column, or a type-mismatch error.

    Numbers may come as numeric strings; booleans as true/false (or 'true'/'false'); timestamps as ISO
    8601 strings (normalised to UTC, whole seconds, 'Z'); dates as 'YYYY-MM' or 'YYYY-MM-DD'."""
    kind = column.type
    if kind == ColumnType.TEXT:
        if isinstance(value, str):
            return value
    elif kind in _NUMERIC_KINDS:
        if isinstance(value, str) and _NUMBER.match(value):
            text = value.strip()
            value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        if isinstance(value, int) and not isinstance(value, bool):
            # SQLite integers are 64-bit; a larger number still compares right as a float.
            return value if -(2**63) <= value < 2**63 else float(value)
        if isinstance(value, float) and math.isfinite(value):
            return value
    elif kind == ColumnType.BOOLEAN:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        if isinstance(value, bool):
            return int(value)
    elif kind == ColumnType.TIMESTAMP:
        if isinstance(value, str) and (normalised := timestamp_normalise(value)) is not None:
            return normalised
    elif kind == ColumnType.DATE and isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    raise _mismatch(column, value)


def _kind(column: Column) -> str:
    if column.type in _STRING_KINDS:
        return "string"
    if column.type in _NUMERIC_KINDS:
        return "number"
    return "boolean"
