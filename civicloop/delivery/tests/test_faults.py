"""A send of a few thousand emails and texts survives every fault at once (issue 15, "Faults").

During one urgent alert to 1,500 residents (1,200 emails, 600 texts) on two RQ workers: ten
SIGKILLs of a worker's whole process group, one PostgreSQL restart (`pg_ctl restart -m fast`), Redis
down for a few seconds, the SMTP server answering 451/421 and then hanging past the client's timeout,
the Twilio-protocol server answering 500/503/429 and then hanging past the adapter's 10 s. After
recovery every delivery must be `sent`, every resident must have the email and the text, and the
copies sent twice (neither SMTP nor Twilio's Messages API deduplicates) must be at most one batch
per kill, plus one per worker for the PostgreSQL restart.

The scenario (civicloop/delivery/faults.py) runs on its own PostgreSQL cluster, Redis server and
provider servers, so it runs the same whichever database the suite uses, and disturbs no other test.
The long variant (`civicloop bench faults`, figures in docs/benchmarks.md) uses 10,000 residents and
Redis down for 30 s.
"""

import pytest

from civicloop.delivery.faults import SHORT, missing_tools, run_faults


@pytest.mark.skipif(bool(missing_tools()), reason=missing_tools() or "tools present")
def test_every_recipient_gets_the_alert_through_kills_restarts_and_provider_faults():
    result = run_faults(SHORT, log=print)

    print(f"\nfaults: {result.as_json()}")
    # every fault really happened, during the send
    assert result.kills == SHORT.kills
    assert result.postgres_restarts == SHORT.postgres_restarts
    assert result.redis_down_seconds >= SHORT.redis_down_seconds
    assert result.smtp_errors_answered and result.smtp_hangs, "the SMTP server never failed a send"
    assert result.twilio_errors_answered and result.twilio_hangs, "the Twilio server never failed a send"
    # and the send survived them: nothing lost, nothing stuck, repeats bounded
    assert result.problems() == []
    assert result.statuses == {"sent": result.email_expected + result.sms_expected}


@pytest.mark.django_db
def test_a_sender_that_loses_the_database_queues_its_follow_up(monkeypatch):
    """Found by the scenario above: after a PostgreSQL restart the senders failed and none came back."""
    from django.db import OperationalError
    from django_tasks_db.models import DBTaskResult

    from civicloop.delivery import tasks

    def database_gone(**kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(tasks, "deliveries_send_pending", database_gone)
    monkeypatch.setattr(tasks, "DATABASE_RETRY_SECONDS", 0)

    with pytest.raises(OperationalError):
        tasks.send_deliveries.call("sms")

    (follow_up,) = DBTaskResult.objects.filter(task_path__endswith="send_deliveries")
    assert follow_up.args_kwargs["args"] == ["sms"]
    assert follow_up.task.run_after is None  # due now: it needs no scheduler to run
