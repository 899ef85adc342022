"""Faults during a large send: workers killed, PostgreSQL restarted, Redis down, providers failing.

`run_faults()` builds a small city of its own and sends it one urgent alert, by email and SMS, while
things go wrong, then checks that every delivery ended `sent`, that every recipient got the message
and how many got it twice. Everything it touches is its own, so it never disturbs another test or
the configured database:

- a throwaway PostgreSQL cluster (initdb, pg_ctl) on a free loopback port, migrated from a schema
  dump cached per migrations (the first run migrates, ~20 s; later runs restore it in ~1 s);
- a Redis server on a free port with an append-only file, as docs/scale-out.md asks for production
  (the queue survives a Redis restart);
- an SMTP server (aiosmtpd) and a Twilio-protocol server (integrations/tests/fake_twilio.py) in this
  process, which can be told to answer errors (SMTP 451/421, HTTP 500/503/429) or to hang past the
  client's timeout (then refuse, so a hang stores nothing);
- N real `civicloop worker` processes on the RQ backend, each in its own process group, restarted
  when they exit, as systemd's `Restart=always` does. A kill is SIGKILL to the whole group (the RQ
  worker, its work horse and its scheduler), as when a machine or container dies.

Neither SMTP nor Twilio's Messages API has an idempotency key (the fake's token is ignored here), so
a batch handed over and not yet recorded when its worker dies is sent again once its lease expires:
repeats are counted, and may be at most one batch per kill (plus one per worker for the PostgreSQL
restart, which can fail a batch's recording the same way).

The parts: ``environment`` (the tools needed, free ports, the processes' environment),
``private_postgres`` and ``private_redis`` (the servers), ``providers`` (SMTP and Twilio failing on
demand), ``workers`` (the supervised worker processes), ``plans`` (what goes wrong, and when),
``scenario`` (run_faults, bench_faults) and ``report`` (FaultResult and its broken promises).
"""

from civicloop.delivery.faults.environment import (
    PG_VERSIONS,
    PROJECT,
    civicloop_env,
    free_port,
    missing_tools,
    postgres_bin,
)
from civicloop.delivery.faults.plans import LONG, SHORT, FaultPlan
from civicloop.delivery.faults.private_postgres import PrivateCluster, migrate, sql
from civicloop.delivery.faults.private_redis import PrivateRedis
from civicloop.delivery.faults.providers import FaultySmtp, faulty_smtp, faulty_twilio
from civicloop.delivery.faults.report import FaultResult
from civicloop.delivery.faults.scenario import FINAL, SEED, bench_faults, run_faults
from civicloop.delivery.faults.workers import Workers

__all__ = [
    "FINAL",
    "LONG",
    "PG_VERSIONS",
    "PROJECT",
    "SEED",
    "SHORT",
    "FaultPlan",
    "FaultResult",
    "FaultySmtp",
    "PrivateCluster",
    "PrivateRedis",
    "Workers",
    "bench_faults",
    "civicloop_env",
    "faulty_smtp",
    "faulty_twilio",
    "free_port",
    "migrate",
    "missing_tools",
    "postgres_bin",
    "run_faults",
    "sql",
]
