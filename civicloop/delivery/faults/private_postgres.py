"""A private PostgreSQL cluster (initdb, pg_ctl) on a free loopback port, restartable, with civicloop's
schema restored from a dump cached per migrations."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from civicloop.delivery.faults.environment import (
    PROJECT,
    civicloop_env,
    free_port,
    missing_tools,
    postgres_bin,
)


class PrivateCluster:
    """initdb + pg_ctl in a temporary directory; restartable; removed on stop()."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError(missing_tools(redis=False))
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="civicloop-faults-pg-"))
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.root, user="postgres", group="postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgres://civicloop@127.0.0.1:{self.port}/civicloop"
        self.restarts = 0

    def _pg(self, tool: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our own arguments)
            [*self.as_postgres, str(self.bin / tool), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )

    def start(self) -> PrivateCluster:
        self._pg("initdb", "-D", str(self.data), "-U", "civicloop", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._pg_ctl_start()
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "civicloop", "civicloop")
        return self

    def _options(self) -> str:
        # fsync off: a test cluster, nothing to keep; a crash is simulated by killing processes, not power
        return (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )

    def _pg_ctl_start(self) -> None:
        log = str(self.root / "server.log")
        self._pg("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", self._options(), "start")

    def restart(self) -> float:
        """pg_ctl restart -m fast (every connection is cut); returns the seconds it took."""
        started = time.monotonic()
        log = str(self.root / "server.log")
        self._pg(
            "pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-m", "fast",
            "-o", self._options(), "restart",
        )  # fmt: skip
        self.restarts += 1
        return time.monotonic() - started

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self, tool: str, *args: str, timeout: float = 120) -> None:
        """A client program (psql, pg_dump) against this cluster, run as ourselves."""
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our own arguments)
            [str(self.bin / tool), "-h", "127.0.0.1", "-p", str(self.port), "-U", "civicloop", *args],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )


def _migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((PROJECT / "civicloop").glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(PROJECT)).encode())
        digest.update(path.read_bytes())
    import django

    digest.update(django.get_version().encode())
    return digest.hexdigest()[:16]


def migrate(cluster: PrivateCluster) -> float:
    """Give the cluster civicloop's schema: restore the cached dump, or migrate and cache it."""
    started = time.monotonic()
    cache = Path(tempfile.gettempdir()) / f"civicloop-faults-schema-{_migrations_fingerprint()}.sql"
    with open(cache.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two tests in parallel: one migrates, the other waits for it
        if cache.exists():
            cluster.client("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", "civicloop", "-f", str(cache))
        else:
            subprocess.run(
                [sys.executable, "-m", "civicloop", "migrate", "-v0", "--no-input"],
                cwd=PROJECT,
                env=civicloop_env(cluster.url),
                check=True,
                capture_output=True,
                timeout=600,
            )
            partial = cache.with_suffix(f".{os.getpid()}.tmp")
            cluster.client("pg_dump", "--no-owner", "--no-privileges", "-d", "civicloop", "-f", str(partial))
            partial.replace(cache)
    return time.monotonic() - started


def sql(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """One query on a fresh connection (the cluster may have been restarted since the last one)."""
    import psycopg

    with psycopg.connect(url, connect_timeout=5, autocommit=True) as connection:
        return connection.execute(query, params).fetchall()  # type: ignore[arg-type]
