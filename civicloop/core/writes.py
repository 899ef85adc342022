"""Waiting in line for SQLite's one writer, instead of polling for it.

SQLite lets one connection write at a time; one that finds the database locked runs SQLite's busy
handler, which sleeps and retries (1, 2, 5 … up to 100 ms between tries). With two or more server
processes writing on every request, those sleeps are most of the wait and they are unfair: one process
can lose the lock many times in a row. `write_turn()` makes the writers of this database queue on a
file lock (in the temporary directory), which the kernel hands to the next waiter the moment it is
released. PostgreSQL locks rows, not the database: there it does nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

try:
    import fcntl
except ImportError:  # not on this platform: SQLite's busy handler alone, as before
    fcntl = None  # type: ignore[assignment]

_files: dict[str, int] = {}
_thread_turns: dict[str, threading.Lock] = {}
_setup = threading.Lock()


def lock_path(database: str) -> str:
    """The lock file of a database file: in the temporary directory (nothing left next to the
    database, e.g. by each test run's database), named by the database's path."""
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"civicloop-writers-{digest}.lock")


def _lock_for(database: str) -> tuple[int, threading.Lock]:
    with _setup:
        if database not in _files:
            _files[database] = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
            _thread_turns[database] = threading.Lock()
        return _files[database], _thread_turns[database]


def _sqlite_file(using: str) -> str | None:
    connection = connections[using]
    if connection.vendor != "sqlite" or fcntl is None:
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return os.path.abspath(name)


@contextmanager
def write_turn(using: str = "default") -> Iterator[None]:
    """Hold this process's turn to write `using` (SQLite file databases; elsewhere nothing) for a
    short transaction; threads of one process queue on a lock first, processes on the file lock."""
    database = _sqlite_file(using)
    if database is None:
        yield
        return
    descriptor, thread_turn = _lock_for(database)
    with thread_turn:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
