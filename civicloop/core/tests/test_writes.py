"""core.writes: writers of one SQLite file take turns on a file lock; elsewhere nothing is locked."""

import fcntl
import os

import pytest
from django.db import connection

from civicloop.core import writes


def _try_lock(path: str) -> bool:
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return True
    finally:
        os.close(descriptor)


def test_a_writer_holds_the_databases_turn_until_its_transaction_ends(tmp_path, monkeypatch):
    database = str(tmp_path / "city.sqlite3")
    monkeypatch.setattr(writes, "_sqlite_file", lambda using: database)
    with writes.write_turn():
        # Another process (another open of the file) must wait for it.
        assert not _try_lock(writes.lock_path(database))
    assert _try_lock(writes.lock_path(database))
    with writes.write_turn():  # and it can be taken again
        assert not _try_lock(writes.lock_path(database))


@pytest.mark.django_db
def test_writers_of_a_sqlite_file_queue_and_postgresql_takes_no_lock():
    database = writes._sqlite_file("default")
    if connection.vendor == "sqlite":  # the tests' database is a file too
        with writes.write_turn():
            assert database is not None and not _try_lock(writes.lock_path(database))
    else:
        assert database is None
        with writes.write_turn():
            pass
