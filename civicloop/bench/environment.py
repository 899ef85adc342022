"""Where a benchmark runs: a throwaway database, SIGTERM as Ctrl-C, and the machine facts its figures
depend on."""

import os
import platform
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import setup_databases, teardown_databases


@contextmanager
def throwaway_database(verbosity: int) -> Iterator[str]:
    """A fresh, migrated database beside the configured one (never the configured one), dropped afterwards.

    Django's test-database machinery creates it: on SQLite a temporary file (the server runs on a
    file, not in memory), on PostgreSQL a `<name>_bench` database on the same server.
    """
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    test_settings = settings_dict.setdefault("TEST", {})
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.gettempdir()) / f"civicloop-bench-{os.getpid()}.sqlite3")
    else:
        test_settings["NAME"] = f"{settings_dict['NAME']}_bench"
    old_config = setup_databases(
        verbosity=max(verbosity - 1, 0),
        interactive=False,
        serialized_aliases=set(),
    )
    try:
        yield str(connection.settings_dict["NAME"])
    finally:
        teardown_databases(old_config, verbosity=max(verbosity - 1, 0))


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a benchmark as Ctrl-C does: its servers are stopped and its database dropped."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def database_description() -> str:
    """`sqlite 3.40.1`, `postgresql 15.18`: the current database's vendor and server version."""
    return f"{connection.vendor} {'.'.join(str(part) for part in connection.get_database_version())}"


def machine_facts() -> dict[str, Any]:
    """What a benchmark's figures depend on besides the code."""
    return {
        "database": database_description(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }
