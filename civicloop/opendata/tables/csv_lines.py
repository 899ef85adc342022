"""CSV lines built by the database itself (``printf`` on SQLite, ``format`` on PostgreSQL), the rows
whose text may hold contact details formatted in Python as csv.writer writes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Case, CharField, F, Func, Q, QuerySet, Value, When

from civicloop.opendata.registry import ColumnType
from civicloop.opendata.tables.rows import csv_values, table_rows
from civicloop.opendata.tables.table_query import CHUNK, _ordered, _query

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset


class _CsvField(Func):
    """One value as csv.writer writes it (QUOTE_MINIMAL): NULL empty, quoted when it holds a comma, a
    double quote or a line break, with inner quotes doubled."""

    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        find = "instr({text}, {char})" if connection.vendor == "sqlite" else "strpos({text}, {char})"
        newline, carriage = (
            ("char(10)", "char(13)") if connection.vendor == "sqlite" else ("chr(10)", "chr(13)")
        )
        tests = " OR ".join(
            f"{find.format(text=sql, char=char)} > 0" for char in ("','", "'\"'", newline, carriage)
        )
        template = f"""CASE WHEN {tests} THEN '"' || REPLACE({sql}, '"', '""') || '"' ELSE {sql} END"""
        return template, params * 6


class _CsvBoolean(Func):
    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CASE WHEN {sql} THEN 'true' WHEN NOT {sql} THEN 'false' END", [*params, *params]


class _Joined(Func):
    """The fields joined by commas in one formatting call (NULL as empty), far cheaper than || chains."""

    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        parts = [compiler.compile(expression) for expression in self.source_expressions]
        function = "printf" if connection.vendor == "sqlite" else "format"
        pattern = ",".join(["%s"] * len(parts))
        sql = ", ".join(part_sql for part_sql, _ in parts)
        return f"{function}(%s, {sql})", [
            pattern,
            *(param for _, part_params in parts for param in part_params),
        ]


class _CsvNumber(Func):
    """A float as Python's repr writes it: PostgreSQL prints 42.0 as "42", SQLite as "42.0"."""

    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            return sql, params
        # A whole number (never NaN or infinite here) prints without its ".0".
        return (
            f"CASE WHEN ({sql}) = trunc({sql}) THEN ({sql})::text || '.0' ELSE ({sql})::text END",
            params * 4,
        )


def _csv_field(dataset: Dataset, index: int) -> Func | F:
    table = _query(dataset)
    column = dataset.columns[index]
    value = F(table.fields[index])
    if column.type == ColumnType.BOOLEAN:
        return _CsvBoolean(value)
    if column.type == ColumnType.NUMBER:
        return _CsvNumber(value)
    if column.type == ColumnType.INTEGER or column.name in table.plain:
        return value
    return _CsvField(value)


def _csv_header(dataset: Dataset) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(dataset.column_names)
    return out.getvalue()


def _lines_query(dataset: Dataset, where: Q | None) -> QuerySet[Any]:
    """(CSV line, pk) per row in order; the line is NULL where Python must mask the row's text."""
    table = _query(dataset)
    line = Case(
        When(**{table.may_hold_contact_details: True}, then=Value(None, output_field=CharField())),
        default=_Joined(*(_csv_field(dataset, i) for i in range(len(dataset.columns)))),
        output_field=CharField(),
    )
    return _ordered(dataset, where).annotate(opendata_csv_line=line).values_list("opendata_csv_line", "pk")


def table_csv_lines(dataset: Dataset, where: Q | None = None) -> Iterator[str]:
    """The rows as CSV lines ("\\r\\n" ended, csv.writer's), the database writing all it can."""
    booleans = [i for i, column in enumerate(dataset.columns) if column.type == ColumnType.BOOLEAN]
    rows = _lines_query(dataset, where)
    chunk: list[tuple[str | None, Any]] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _chunk_lines(dataset, chunk, booleans)
            chunk = []
    yield from _chunk_lines(dataset, chunk, booleans)


def _chunk_lines(dataset: Dataset, chunk: list[tuple[str | None, Any]], booleans: list[int]) -> Iterator[str]:
    flagged = [pk for line, pk in chunk if line is None]
    formatted: list[str] = []
    if flagged:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in table_rows(dataset, Q(pk__in=flagged)):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(csv_values(row, booleans))
            formatted.append(buffer.getvalue())
    python_lines = iter(formatted)
    for line, _pk in chunk:
        yield f"{line}\r\n" if line is not None else next(python_lines)
