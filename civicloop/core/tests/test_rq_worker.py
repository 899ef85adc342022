import os

import pytest
from redis import Redis

from civicloop.core.rq_worker import SCHEDULER_CHECK_SECONDS, PromptSchedulerWorker


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="REDIS_URL is not set"
)
def test_an_idle_worker_looks_for_an_orphaned_scheduler_every_few_seconds():
    connection = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    worker = PromptSchedulerWorker(["default"], connection=connection)

    assert worker.maintenance_interval == SCHEDULER_CHECK_SECONDS <= 30
    assert worker.dequeue_timeout == SCHEDULER_CHECK_SECONDS
