"""The query engine behind CKAN ``datastore_search`` and SODA ``/resource/``: conditions → SQL → rows.

Reads only the current export's datastore file (read-only connection), never the city's database.
Every column name in the SQL comes from the dataset's registry (quoted), every value is a bound
parameter. Equality and range filters are left bare (``"status" = ?``), so SQLite uses the
datastore's indexes; ``total`` is a COUNT over the same WHERE, remembered per export file (files are
never changed once written); rows are fetched lazily, so no more than one page is ever in memory.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from civicloop.core.errors import NotFound
from civicloop.opendata.datastore import TABLE, datastore_connect, quoted
from civicloop.opendata.registry import Column, ColumnType, Dataset
from civicloop.opendata.soql import (
    ROW_ID,
    And,
    Between,
    Comparison,
    Condition,
    Contains,
    InList,
    IsNull,
    Like,
    Not,
    Or,
    OrderKey,
    QueryInvalid,
    Scalar,
    SelectColumn,
    SelectCount,
    SelectItem,
)

_SQL_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_TEXT_KINDS = frozenset({ColumnType.TEXT})


@dataclass(frozen=True)
class DatastoreQuery:
    """What to read: which rows (condition), which columns (select; None: _id and every column), in
    which order (then by _id, so pages are stable), which page."""

    condition: Condition | None = None
    select: tuple[SelectItem, ...] | None = None
    order: tuple[OrderKey, ...] = ()
    limit: int = 100
    offset: int = 0


@dataclass
class QueryResult:
    # (output name, column type); "_id" is an integer column, count(*) too.
    fields: list[tuple[str, ColumnType]]
    # Each row in output order; booleans as True/False. Reading them to the end closes the connection.
    rows: Iterator[tuple[Scalar | bool, ...]]
    total: int | None = None
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    def close(self) -> None:
        self._close()


# ------------------------------------------------------------------------------------- SQL building


# SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH: a longer LIKE or GLOB pattern is an OperationalError.
PATTERN_BYTES_MAX = 50_000


def _pattern_checked(pattern: str) -> str:
    if len(pattern.encode("utf-8", "surrogatepass")) > PATTERN_BYTES_MAX:
        raise QueryInvalid(f"The text to match is too long (at most {PATTERN_BYTES_MAX:,} bytes)")
    return pattern


def _like_to_glob(pattern: str) -> str:
    """SoQL LIKE is case-sensitive: as a GLOB (which SQLite can still answer from an index)."""
    special = {"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}
    return "".join(special.get(character, character) for character in pattern)


def _contains_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def condition_sql(condition: Condition) -> tuple[str, list[Scalar]]:
    """The condition as a SQL boolean expression and its parameters (in order)."""
    params: list[Scalar] = []
    sql = _sql(condition, params)
    return sql, params


def _sql(condition: Condition, params: list[Scalar]) -> str:
    if isinstance(condition, Comparison):
        if condition.op not in _SQL_OPS:  # parsed conditions only hold these; guard all the same
            raise QueryInvalid(f"Unsupported operator {condition.op!r}")
        if isinstance(condition.value, Column):
            return f"{quoted(condition.column.name)} {condition.op} {quoted(condition.value.name)}"
        params.append(condition.value)
        return f"{quoted(condition.column.name)} {condition.op} ?"
    if isinstance(condition, Between):
        params.extend((condition.low, condition.high))
        return f"{quoted(condition.column.name)} {'NOT ' if condition.negated else ''}BETWEEN ? AND ?"
    if isinstance(condition, InList):
        params.extend(condition.values)
        marks = ", ".join("?" for _ in condition.values)
        return f"{quoted(condition.column.name)} {'NOT ' if condition.negated else ''}IN ({marks})"
    if isinstance(condition, Like):
        params.append(_pattern_checked(_like_to_glob(condition.pattern)))
        return f"{quoted(condition.column.name)} {'NOT ' if condition.negated else ''}GLOB ?"
    if isinstance(condition, IsNull):
        return f"{quoted(condition.column.name)} IS {'NOT ' if condition.negated else ''}NULL"
    if isinstance(condition, Contains):
        if not condition.columns:
            return "0"
        pattern = _pattern_checked(_contains_pattern(condition.text))
        params.extend(pattern for _ in condition.columns)
        return (
            "("
            + " OR ".join(f"{quoted(column.name)} LIKE ? ESCAPE '\\'" for column in condition.columns)
            + ")"
        )
    if isinstance(condition, And):
        return "(" + " AND ".join(_sql(part, params) for part in condition.parts) + ")"
    if isinstance(condition, Or):
        return "(" + " OR ".join(_sql(part, params) for part in condition.parts) + ")"
    if isinstance(condition, Not):
        return f"(NOT {_sql(condition.part, params)})"
    raise TypeError(f"not a condition: {condition!r}")


def full_text(dataset: Dataset, text: str, columns: Sequence[Column] | None = None) -> Contains:
    """$q / CKAN q: the text in any text column of the dataset (or in the columns given)."""
    chosen = (
        tuple(columns) if columns is not None else tuple(c for c in dataset.columns if c.type in _TEXT_KINDS)
    )
    return Contains(chosen, text)


def conditions_join(*conditions: Condition | None) -> Condition | None:
    present = tuple(condition for condition in conditions if condition is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else And(present)


# ---------------------------------------------------------------------------------------- execution

_TOTALS: OrderedDict[tuple[str, str, tuple[Scalar, ...]], int] = OrderedDict()
_TOTALS_SIZE = 512
_TOTALS_LOCK = threading.Lock()


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise NotFound("The dataset's datastore is not available.")
    try:
        return datastore_connect(path)
    except sqlite3.Error as error:
        raise NotFound("The dataset's datastore is not available.") from error


def _count(connection: sqlite3.Connection, path: Path, where: str, params: list[Scalar]) -> int:
    # An export file never changes once written, so its counts can be remembered.
    key = (str(path), where, tuple(params))
    with _TOTALS_LOCK:
        if key in _TOTALS:
            _TOTALS.move_to_end(key)
            return _TOTALS[key]
    sql = f"SELECT count(*) FROM {TABLE}" + (f" WHERE {where}" if where else "")  # noqa: S608  (see module doc)
    (total,) = connection.execute(sql, params).fetchone()
    with _TOTALS_LOCK:
        _TOTALS[key] = total
        while len(_TOTALS) > _TOTALS_SIZE:
            _TOTALS.popitem(last=False)
    return int(total)


def _converter(kind: ColumnType) -> Callable[[object], object] | None:
    if kind == ColumnType.BOOLEAN:
        return lambda value: None if value is None else bool(value)
    return None


def _rows(
    connection: sqlite3.Connection,
    cursor: sqlite3.Cursor,
    converters: list[Callable[[object], object] | None],
) -> Iterator[tuple[Scalar | bool, ...]]:
    try:
        if not any(converters):
            while batch := cursor.fetchmany(500):
                yield from batch
        else:
            while batch := cursor.fetchmany(500):
                for row in batch:
                    yield tuple(
                        value if convert is None else convert(value)  # type: ignore[misc]
                        for value, convert in zip(row, converters, strict=True)
                    )
    finally:
        connection.close()


def datastore_query(
    path: Path, query: DatastoreQuery, *, dataset: Dataset, with_total: bool = True
) -> QueryResult:
    """Run the query over the datastore file at ``path``: the fields, the rows (lazily) and the total
    number of rows matching the condition (when asked). NotFound when the file is missing.

    The caller must read ``rows`` to the end or call ``close()``."""
    where, params = condition_sql(query.condition) if query.condition is not None else ("", [])
    connection = _connect(path)
    try:
        total = _count(connection, path, where, params) if with_total else None
        items = query.select
        if items is not None and any(isinstance(item, SelectCount) for item in items):
            alias = items[0].alias
            count = total if total is not None else _count(connection, path, where, params)
            connection.close()
            return QueryResult(fields=[(alias, ColumnType.INTEGER)], rows=iter([(count,)]), total=1)
        if items is None:
            items = (SelectColumn(ROW_ID, ROW_ID.name), *(SelectColumn(c, c.name) for c in dataset.columns))
        columns = [item for item in items if isinstance(item, SelectColumn)]
        fields = [(item.alias, item.column.type) for item in columns]
        order = [f"{quoted(key.column.name)} {'DESC' if key.descending else 'ASC'}" for key in query.order]
        if not any(key.column.name == ROW_ID.name for key in query.order):
            last_descending = bool(query.order) and query.order[-1].descending
            order.append(f"_id {'DESC' if last_descending else 'ASC'}")
        sql = (
            f"SELECT {', '.join(quoted(item.column.name) for item in columns)} FROM {TABLE}"  # noqa: S608
            + (f" WHERE {where}" if where else "")
            + f" ORDER BY {', '.join(order)} LIMIT ? OFFSET ?"
        )
        cursor = connection.execute(sql, [*params, query.limit, query.offset])
    except BaseException:
        connection.close()
        raise
    converters = [_converter(item.column.type) for item in columns]
    return QueryResult(
        fields=fields, rows=_rows(connection, cursor, converters), total=total, _close=connection.close
    )
