"""The send during the load: the alert fanned out, then its email sent by worker processes."""

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection


@dataclass
class SendOutcome:
    fanout_seconds: float = 0.0
    email_per_second: float = 0.0
    seconds: float = 0.0
    problem: str = ""


def _send(
    *, message: Any, workers: int, budget: float, smtp_port: int, outcome: SendOutcome, go: threading.Event
) -> None:
    """Once `go` is set: fan the alert out, then send its email with `workers` processes (in a thread)."""
    from civicloop.delivery.bench import email_rate
    from civicloop.delivery.fanout import announcement_fan_out

    go.wait()
    started = time.perf_counter()
    try:
        if outcome.problem:  # the load did not start
            return
        announcement_fan_out(message=message)
        outcome.fanout_seconds = time.perf_counter() - started
        left = max(budget - (time.perf_counter() - started), 1.0)
        outcome.email_per_second = email_rate(
            workers=workers, seconds=left, port=smtp_port, settings=settings
        )
    except Exception as error:
        outcome.problem = f"{type(error).__name__}: {error}"
    finally:
        outcome.seconds = time.perf_counter() - started
        connection.close()
