"""Sessions on a PDS, cached per (PDS, handle) for the life of the process (a PDS allows few
createSession calls a day)."""

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class _Session:
    access_jwt: str
    did: str


_sessions: dict[tuple[str, str], _Session] = {}
_sessions_lock = threading.Lock()


def forget_sessions() -> None:
    """Drop every cached session (tests; or after rotating the app password)."""
    with _sessions_lock:
        _sessions.clear()
