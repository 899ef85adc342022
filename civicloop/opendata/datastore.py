"""A dataset's queryable copy: one SQLite file per export, written beside its CSV, JSON and GeoJSON.

The CKAN ``datastore_search`` and the SODA-style ``/resource/`` queries read it (``query.py``), never
the live tables, so a heavy query touches neither the city's database nor another export. Format:

- one table ``rows`` with ``_id INTEGER PRIMARY KEY`` (1, 2, … in export order, as CKAN's datastore
  numbers rows) and one column per dataset column, named as the column, typed by its ColumnType:
  text, timestamp, date → TEXT; integer, boolean → INTEGER (booleans 0/1); number → REAL;
- an index on every column marked ``indexed``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

from civicloop.opendata.registry import Column, ColumnType, Row

TABLE = "rows"
# An export's files: one per download format, and this datastore.
FORMATS = {"csv": "data.csv", "json": "data.json", "geojson": "data.geojson"}
DATASTORE_FILE = "datastore.sqlite3"
SQLITE_TYPES = {
    ColumnType.TEXT: "TEXT",
    ColumnType.TIMESTAMP: "TEXT",
    ColumnType.DATE: "TEXT",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.BOOLEAN: "INTEGER",
    ColumnType.NUMBER: "REAL",
}
_BATCH = 5000


def quoted(name: str) -> str:
    """An identifier for SQLite: column names are ours (registered in code), quoted all the same."""
    return '"' + name.replace('"', '""') + '"'


def datastore_connect(path: Path) -> sqlite3.Connection:
    """Read-only: a query can never change the export it reads."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    connection.execute("PRAGMA query_only = 1")
    return connection


class DatastoreWriter:
    """Appends rows to a new datastore file; ``close()`` adds the indexes (faster after the rows)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        definitions = ", ".join(
            f"{quoted(column.name)} {SQLITE_TYPES[column.type]}" for column in self.columns
        )
        self.connection.execute(f"CREATE TABLE {TABLE} (_id INTEGER PRIMARY KEY, {definitions})")
        placeholders = ", ".join("?" for _ in self.columns)
        names = ", ".join(quoted(column.name) for column in self.columns)
        self._insert = f"INSERT INTO {TABLE} ({names}) VALUES ({placeholders})"  # noqa: S608  (our names)
        self.count = 0

    def write_many(self, rows: Iterable[Row]) -> None:
        iterator = iter(rows)
        while batch := list(islice(iterator, _BATCH)):
            self.connection.executemany(self._insert, batch)
            self.count += len(batch)

    def close(self) -> int:
        for column in self.columns:
            if column.indexed:
                self.connection.execute(
                    f"CREATE INDEX {quoted('by_' + column.name)} ON {TABLE} ({quoted(column.name)})"
                )
        self.connection.commit()
        self.connection.execute("ANALYZE")
        self.connection.close()
        return self.count


def datastore_write(path: Path, columns: Sequence[Column], rows: Iterable[Row]) -> int:
    """Write a whole datastore file at ``path`` (which must not exist); the number of rows."""
    writer = DatastoreWriter(path, columns)
    writer.write_many(rows)
    return writer.close()
