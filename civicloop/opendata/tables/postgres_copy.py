"""One part written by PostgreSQL's COPY, the rows Python must format put in after it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q

from civicloop.opendata.registry import ColumnType
from civicloop.opendata.tables.csv_lines import _chunk_lines, _lines_query
from civicloop.opendata.tables.table_query import CHUNK

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset


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
