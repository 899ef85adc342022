"""The RQ worker civicloop runs (`civicloop worker` with TASKS_BACKEND=rq)."""

from typing import Any

from rq import Worker

# Seconds between an idle worker's looks for a scheduler to take over (RQ's default: 10 minutes).
SCHEDULER_CHECK_SECONDS = 15


class PromptSchedulerWorker(Worker):
    """An RQ worker that takes over RQ's scheduler within about a minute of the worker running it dying.

    Retries and follow-up senders wait in RQ's scheduled registry; only the worker holding the
    scheduler lock moves them to the queue. RQ's lock lapses 61 s after its holder dies, but the
    others looked for it only every 10 minutes, and an idle one only after a 405 s blocking read:
    a killed worker left a send's last retries waiting that long (seen by the fault test).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("maintenance_interval", SCHEDULER_CHECK_SECONDS)
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        return SCHEDULER_CHECK_SECONDS  # an idle worker wakes this often to run its maintenance
