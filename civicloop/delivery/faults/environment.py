"""What a fault scenario needs from the machine (PostgreSQL's server programs, redis-server, free ports)
and the environment it gives the processes it starts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
PG_VERSIONS = Path("/usr/lib/postgresql")


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, or None."""
    if not PG_VERSIONS.is_dir():
        return None
    versions = sorted(
        (p for p in PG_VERSIONS.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
    )
    for version in versions:
        if (version / "bin" / "initdb").exists() and (version / "bin" / "pg_ctl").exists():
            return version / "bin"
    return None


def missing_tools(*, redis: bool = True) -> str:
    """Why a fault scenario cannot run here ("" when it can)."""
    if postgres_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed (apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start PostgreSQL as the postgres user"
    if redis and shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return ""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def civicloop_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of the processes a scenario starts (test settings: secrets filled, no .env)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DELIVERY_", "EMAIL_", "TWILIO_", "SMS_", "PYTEST_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "civicloop.test_settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "SITE_URL": "https://city.example.org",
            "TASKS_BACKEND": "database",
            **extra,
        }
    )
    return env
