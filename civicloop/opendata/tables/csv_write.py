"""The CSV file of a snapshot: its parts written side by side (forked processes or threads), joined in
order under the header."""

from __future__ import annotations

import multiprocessing
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import connection, connections
from django.db.models import Q

from civicloop.opendata.tables.csv_lines import _csv_header, table_csv_lines
from civicloop.opendata.tables.parts import table_parts
from civicloop.opendata.tables.postgres_copy import _csv_part_copy
from civicloop.opendata.tables.table_query import CHUNK

if TYPE_CHECKING:
    from civicloop.opendata.registry import Dataset


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
