"""Large datasets read as one ordered query: the database writes their CSV, over several processes.

A TableQuery names, for each of a dataset's columns, a field or annotation of one queryset. From it:

- the rows for Python (JSON, GeoJSON, the datastore): residents' text masked in the rows whose
  ``may_hold_contact_details`` flag is set, the others read as they are;
- CSV lines built by the database itself (``printf`` on SQLite, ``format`` on PostgreSQL) for the rows
  whose text cannot hold contact details; the flagged rows are formatted in Python, as csv.writer writes
  them (the two give the same bytes: tested);
- parts: consecutive ranges of the ordering key, each written by a forked process, concatenated in order.

A refresh reads the rows up to the last one that existed when it started (``table_snapshot``), so every
format of one export holds the same rows.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection, connections
from django.db.models import Case, CharField, F, Func, Q, QuerySet, Value, When

from civicloop.core.text import contact_details_mask
from civicloop.opendata.registry import ColumnType, Row

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset

CHUNK = 5000
# Below this many rows a dataset is written by the process that refreshes it: forking costs more.
ROWS_PER_PART_MIN = 50_000


@dataclass(frozen=True)
class TableQuery:
    # The rows, unordered; `order` orders them.
    queryset: Callable[[], QuerySet[Any]]
    # Per column, in column order: a field or annotation of the queryset.
    fields: tuple[str, ...]
    # Two non-null fields, unique together, indexed in this order: (the time, the primary key).
    order: tuple[str, str]
    # Columns of residents' text, masked in the rows the flag marks.
    masked: frozenset[str]
    # A boolean field: True when a row's masked columns may hold an email address or phone number.
    may_hold_contact_details: str
    # Columns whose values never need CSV quoting (codes, numbers, times), by the city's own format.
    plain: frozenset[str] = frozenset()


def _query(dataset: Dataset) -> TableQuery:
    if dataset.table is None:
        raise ValueError(f"dataset {dataset.identifier!r} is not read as one query")
    return dataset.table


def _ordered(dataset: Dataset, where: Q | None) -> QuerySet[Any]:
    table = _query(dataset)
    rows = table.queryset()
    if where is not None:
        rows = rows.filter(where)
    return rows.order_by(*table.order)


# ----------------------------------------------------------------------------------- rows for Python


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


# --------------------------------------------------------------------------- CSV from the database


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


# ---------------------------------------------------------------------------------------- parts


def _at_or_after(order: tuple[str, str], key: tuple[Any, Any]) -> Q:
    first, second = order
    return Q(**{f"{first}__gte": key[0]}) & (
        Q(**{f"{first}__gt": key[0]}) | Q(**{first: key[0], f"{second}__gte": key[1]})
    )


def _before(order: tuple[str, str], key: tuple[Any, Any]) -> Q:
    first, second = order
    return Q(**{f"{first}__lte": key[0]}) & (
        Q(**{f"{first}__lt": key[0]}) | Q(**{first: key[0], f"{second}__lt": key[1]})
    )


def table_snapshot(dataset: Dataset) -> Q:
    """The rows that exist now: up to the last key (rows written later wait for the next refresh)."""
    table = _query(dataset)
    first, second = table.order
    last = _ordered(dataset, None).reverse().values_list(first, second).first()
    if last is None:
        return Q(pk__in=[])
    return Q(**{f"{first}__lte": last[0]}) & (
        Q(**{f"{first}__lt": last[0]}) | Q(**{first: last[0], f"{second}__lte": last[1]})
    )


def table_parts(dataset: Dataset, snapshot: Q, parts: int) -> list[Q]:
    """The snapshot cut into up to `parts` consecutive ranges of about the same number of rows."""
    rows = _ordered(dataset, snapshot)
    count = rows.count()
    parts = max(1, min(parts, count // ROWS_PER_PART_MIN))
    if parts == 1:
        return [snapshot]
    order = _query(dataset).order
    keys = [rows.values_list(*order)[count * k // parts] for k in range(1, parts)]
    bounds: list[Q] = []
    for index in range(parts):
        bound = snapshot
        if index > 0:
            bound &= _at_or_after(order, keys[index - 1])
        if index < parts - 1:
            bound &= _before(order, keys[index])
        bounds.append(bound)
    return bounds


def _parts_possible() -> bool:
    """Parts read the database through connections of their own (forked processes or threads): only
    committed rows, and never an in-memory SQLite database, so not inside a transaction either."""
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def _csv_part_write(identifier: str, where: Q, path: str) -> int:
    from civicloop.opendata.registry import dataset_get

    dataset = dataset_get(identifier)
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as out:
        batch: list[str] = []
        for line in table_csv_lines(dataset, where):
            batch.append(line)
            if len(batch) == CHUNK:
                out.write("".join(batch))
                count += len(batch)
                batch = []
        out.write("".join(batch))
        count += len(batch)
    return count


# PostgreSQL's COPY writes the lines in blocks, with no Python per row. A row Python must format (its
# line is NULL, or holds a line break, which COPY's CSV would quote) comes as MARK + its pk, and is
# formatted after the COPY (the connection is busy until then).
_MARK = b"\x03"
_COPY_BUFFER = 1 << 20
_COPY = (
    "COPY (SELECT CASE WHEN t.line IS NULL OR strpos(t.line, chr(10)) > 0 OR strpos(t.line, chr(13)) > 0 "
    # OFFSET 0 keeps the subquery whole: flattened, PostgreSQL would build each line four times.
    "THEN chr(3) || t.pk::text ELSE t.line END FROM ({query} OFFSET 0) AS t(line, pk)) "
    # Delimiter and quote are control characters no published line holds (the flag routes any text with
    # one to Python), so COPY writes each line exactly as it is. A plain projection keeps the order.
    "TO STDOUT (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
)


def _csv_part_copy(identifier: str, where: Q, path: str) -> int:
    from civicloop.opendata.registry import dataset_get

    dataset = dataset_get(identifier)
    query, params = _lines_query(dataset, where).query.sql_with_params()
    count, marked, rest = 0, False, b""
    with connection.cursor() as cursor:
        # Each part is one of several side by side: PostgreSQL's own parallel workers for it would only
        # crowd the same CPUs and funnel every line through one leader; its JIT compiler cost more than
        # it saved (a million rows: 12.6 s as planned, 10.9 s without parallel workers, 9.7 s without
        # JIT either). This connection is closed after the part.
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SET jit = off")
    with (
        open(path, "wb") as out,
        connection.cursor() as cursor,
        cursor.cursor.copy(_COPY.format(query=query), params) as copy,
    ):
        # PostgreSQL sends a message per row: gathered into about a megabyte before any work on them.
        blocks: list[bytes] = []
        size = 0
        for block in copy:
            blocks.append(bytes(block))
            size += len(block)
            if size < _COPY_BUFFER:
                continue
            data = rest + b"".join(blocks)
            blocks, size = [], 0
            end = data.rfind(b"\n") + 1
            complete, rest = data[:end], data[end:]
            count += complete.count(b"\n")
            marked = marked or _MARK in complete
            out.write(complete.replace(b"\n", b"\r\n"))
        complete = rest + b"".join(blocks)
        count += complete.count(b"\n")
        marked = marked or _MARK in complete
        out.write(complete.replace(b"\n", b"\r\n"))
    if marked:
        _marked_lines_replace(dataset, path)
    return count


def _marked_lines_replace(dataset: Dataset, path: str) -> None:
    """Rewrite a COPY part, formatting its marked rows in Python (in chunks of CHUNK lines)."""
    booleans = [i for i, column in enumerate(dataset.columns) if column.type == ColumnType.BOOLEAN]
    finished = f"{path}.formatted"
    with open(path, "rb") as source, open(finished, "wb") as out:
        chunk: list[tuple[str | None, Any]] = []
        for raw in source:
            line = raw[:-2].decode()
            chunk.append((None, int(line[1:])) if raw.startswith(_MARK) else (line, None))
            if len(chunk) == CHUNK:
                out.write("".join(_chunk_lines(dataset, chunk, booleans)).encode())
                chunk = []
        out.write("".join(_chunk_lines(dataset, chunk, booleans)).encode())
    Path(finished).replace(path)


def _csv_part_alone(identifier: str, where: Q, path: str, copy: bool = False) -> int:
    """A part in a forked process or a thread of its own: its own connection, closed at the end."""
    try:
        return (_csv_part_copy if copy else _csv_part_write)(identifier, where, path)
    finally:
        connections.close_all()


def table_csv_write(dataset: Dataset, path: Path, *, snapshot: Q, processes: int) -> int:
    """Write the CSV (header, then the snapshot's rows) to `path`; the number of rows."""
    parts = table_parts(dataset, snapshot, processes) if _parts_possible() else [snapshot]
    part_paths = [f"{path}.part{index}" for index in range(len(parts))]
    jobs = [(dataset.identifier, part, part_path) for part, part_path in zip(parts, part_paths, strict=True)]
    if len(parts) == 1:
        counts = [_csv_part_write(*jobs[0])]
    elif connection.vendor == "postgresql":
        # PostgreSQL builds the lines in its own server processes, one per connection: threads suffice
        # (they wait on the network without the GIL), and share no socket with a forked copy.
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            counts = list(pool.map(lambda job: _csv_part_alone(job[0], job[1], job[2], copy=True), jobs))
    else:
        # SQLite builds them in this process: threads would share its allocator's lock (measured: 18.5 s
        # → 15.3 s with two), so each part gets a forked process and its own connection.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(len(parts)) as processes_pool:
            counts = processes_pool.starmap(_csv_part_alone, jobs)
    with open(path, "w", newline="", encoding="utf-8") as out:
        out.write(_csv_header(dataset))
        out.flush()
        for part_path in part_paths:
            with open(part_path, "rb") as part:
                shutil.copyfileobj(part, out.buffer, 1 << 20)
            Path(part_path).unlink()
    return sum(counts)
