"""The scenario: a small city of its own sends one urgent alert while the faults happen, in order of the
share of deliveries done; then every delivery is checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from civicloop.delivery.faults.environment import PROJECT, civicloop_env
from civicloop.delivery.faults.plans import LONG, SHORT, FaultPlan
from civicloop.delivery.faults.private_postgres import PrivateCluster, migrate, sql
from civicloop.delivery.faults.private_redis import PrivateRedis
from civicloop.delivery.faults.providers import faulty_smtp, faulty_twilio
from civicloop.delivery.faults.report import FaultResult
from civicloop.delivery.faults.workers import Workers

FINAL = ("sent", "delivered", "failed", "bounced", "suppressed", "cancelled")

SEED = """
import json, django
django.setup()
from civicloop.delivery.bench import alert_publish, subscribers_generate
from civicloop.subscriptions.models import ContactPoint
subscribers_generate({subscribers})
message = alert_publish()
kinds = dict((k, 0) for k in ("email", "sms"))
for kind in ContactPoint.objects.values_list("kind", flat=True):
    kinds[kind] += 1
print(json.dumps({{"message": message.pk, "announcement": message.announcement_id, **kinds}}))
"""


def _progress(url: str) -> dict[str, int]:
    rows = sql(url, "SELECT status, count(*) FROM delivery_delivery GROUP BY status")
    return {status: int(count) for status, count in rows}


def _window(target: Any, modes: list[tuple[str, str, int, float]]) -> threading.Thread:
    """Each (mode, counter, at least, seconds): the mode holds for `seconds` and until the server has
    answered `at least` requests that way (at most a minute more), so a fault is never a no-op."""

    def run() -> None:
        for mode, counter, at_least, seconds in modes:
            before = getattr(target, counter)
            target.mode = mode
            started = time.monotonic()
            while time.monotonic() - started < seconds or (
                getattr(target, counter) - before < at_least and time.monotonic() - started < seconds + 60
            ):
                time.sleep(0.05)
        target.mode = "ok"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def run_faults(plan: FaultPlan, *, log: Any = None) -> FaultResult:
    """Run the scenario; never raises for a broken promise (see FaultResult.problems())."""

    def say(text: str) -> None:
        if log is not None:
            log(text)

    started = time.monotonic()
    cluster = PrivateCluster()
    redis_server = PrivateRedis()
    logs = Path(tempfile.mkdtemp(prefix="civicloop-faults-logs-"))
    workers: Workers | None = None
    twilio = faulty_twilio()
    try:
        cluster.start()
        migrate(cluster)
        redis_server.start()
        with faulty_smtp() as (smtp, smtp_port), twilio:
            smtp.hang_seconds = plan.email_timeout + 2
            env = civicloop_env(
                cluster.url,
                TASKS_BACKEND="rq",
                REDIS_URL=redis_server.url,
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(smtp_port),
                EMAIL_TIMEOUT=str(plan.email_timeout),
                EMAIL_RATE_PER_SECOND=str(plan.email_rate),
                SMS_RATE_PER_SECOND=str(plan.sms_rate),
                SMS_BACKEND="twilio",
                TWILIO_API_BASE=twilio.url,
                TWILIO_ACCOUNT_SID=twilio.account_sid,
                TWILIO_AUTH_TOKEN=twilio.auth_token,
                TWILIO_FROM_NUMBER="+13125550100",
                DELIVERY_BATCH_SIZE=str(plan.batch),
                DELIVERY_LEASE_SECONDS=str(plan.lease_seconds),
                DELIVERY_TIME_BUDGET="5",  # senders hand over often, so both channels move on 2 workers
                DELIVERY_MAX_ATTEMPTS="50",  # the fault windows are long next to the test's fast retries
                DELIVERY_RETRY_BASE_SECONDS="0.5",
                DELIVERY_RETRY_CAP_SECONDS="3",
            )
            seeded = subprocess.run(  # noqa: S603 (this Python, our own script)
                [sys.executable, "-c", SEED.format(subscribers=int(plan.subscribers))],
                cwd=PROJECT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if seeded.returncode != 0:
                raise RuntimeError(f"seeding failed:\n{seeded.stderr[-3000:]}")
            facts = json.loads(seeded.stdout.strip().splitlines()[-1])
            expected = int(facts["email"]) + int(facts["sms"])
            setup_seconds = time.monotonic() - started
            say(f"setup {setup_seconds:.1f} s: {facts}")

            # the faults, in order of the share of deliveries done
            events: list[tuple[float, str]] = []
            for number in range(plan.kills):
                events.append((0.04 + number * 0.8 / max(plan.kills, 1), f"kill {number % plan.workers}"))
            events.append((0.15, "smtp"))
            events.append((0.22, "twilio"))
            events += [(0.42 + 0.05 * n, "postgres") for n in range(plan.postgres_restarts)]
            if plan.redis_down_seconds > 0:
                events.append((0.58, "redis"))
            events.sort(key=lambda event: event[0])
            done_events: list[str] = []
            windows: list[threading.Thread] = []

            send_started = time.monotonic()
            workers = Workers(plan.workers, env, logs).start()
            last_done, last_moved = -1, time.monotonic()
            pg_seconds = 0.0
            while events:
                try:
                    statuses = _progress(cluster.url)
                except Exception:  # the cluster is restarting
                    time.sleep(0.2)
                    continue
                done = sum(statuses.get(status, 0) for status in FINAL)
                if done != last_done:
                    if done // 200 != max(last_done, 0) // 200:
                        say(f"{done}/{expected} done at {time.monotonic() - send_started:.1f} s: {statuses}")
                    last_done, last_moved = done, time.monotonic()
                elif time.monotonic() - last_moved > plan.stall_seconds:
                    say(f"stalled at {done}/{expected}: {statuses}")
                    break
                if done >= expected:
                    break
                while events and done >= events[0][0] * expected:
                    _share, what = events.pop(0)
                    done_events.append(
                        f"{what} at {done}/{expected} ({time.monotonic() - send_started:.1f} s)"
                    )
                    say(done_events[-1])
                    if what.startswith("kill"):
                        workers.kill(int(what.split()[1]))
                    elif what == "smtp":
                        windows.append(
                            _window(
                                smtp,
                                [
                                    ("error", "errors_answered", 10, plan.smtp_error_seconds),
                                    ("hang", "hangs", 4, plan.smtp_hang_seconds),
                                ],
                            )
                        )
                    elif what == "twilio":
                        windows.append(
                            _window(
                                twilio,
                                [
                                    ("error", "errors_answered", 10, plan.sms_error_seconds),
                                    ("hang", "hangs", 2, plan.sms_hang_seconds),
                                ],
                            )
                        )
                    elif what == "postgres":
                        pg_seconds += cluster.restart()
                    elif what == "redis":
                        thread = threading.Thread(
                            target=redis_server.outage, args=(plan.redis_down_seconds,), daemon=True
                        )
                        thread.start()
                        windows.append(thread)
                time.sleep(0.1)
            faults_done = not events
            for window in windows:
                window.join()
            recovery_started = time.monotonic()
            say(f"faults done={faults_done}; recovering")
            deadline = recovery_started + plan.recovery_seconds
            statuses = {}
            while time.monotonic() < deadline:
                try:
                    statuses = _progress(cluster.url)
                except Exception:
                    time.sleep(0.2)
                    continue
                if sum(statuses.get(status, 0) for status in FINAL) >= expected and not (
                    statuses.get("queued") or statuses.get("sending")
                ):
                    break
                time.sleep(0.2)
            finished = time.monotonic()
            workers.stop()
            statuses = _progress(cluster.url)
            say(f"statuses {statuses}")
            if statuses.get("sent", 0) != expected:
                say(workers.tail())
            time.sleep(0.2)  # the last replies reach the sinks
            email_copies = sum(smtp.received.values())
            sms_copies = sum(twilio.to.values())
            deliveries = sum(statuses.values())
            return FaultResult(
                subscribers=plan.subscribers,
                deliveries=deliveries,
                email_expected=int(facts["email"]),
                sms_expected=int(facts["sms"]),
                statuses=statuses,
                stuck=statuses.get("queued", 0) + statuses.get("sending", 0),
                email_recipients=len(smtp.received),
                email_copies=email_copies,
                email_repeats=email_copies - len(smtp.received),
                sms_recipients=len(twilio.to),
                sms_copies=sms_copies,
                sms_repeats=sms_copies - len(twilio.to),
                kills=workers.kills,
                postgres_restarts=cluster.restarts,
                postgres_restart_seconds=pg_seconds,
                redis_down_seconds=redis_server.down_seconds,
                smtp_errors_answered=smtp.errors_answered,
                smtp_hangs=smtp.hangs,
                twilio_errors_answered=twilio.errors_answered,
                twilio_hangs=twilio.hangs,
                worker_starts=workers.starts,
                worker_exits={str(code): count for code, count in workers.exits.items()},
                repeat_bound=plan.batch * (workers.kills + plan.workers * cluster.restarts),
                setup_seconds=setup_seconds,
                send_seconds=finished - send_started,
                recovery_seconds=finished - recovery_started,
                faults_done=faults_done,
                events=done_events,
            )
    finally:
        if workers is not None:
            workers.stop()
        redis_server.remove()
        cluster.stop()
        shutil.rmtree(logs, ignore_errors=True)


def bench_faults(*, long: bool, subscribers: int | None = None, log: Any = None) -> dict[str, Any]:
    """`civicloop bench faults [--long]`: the scenario's figures and broken promises, as one JSON object."""
    import platform

    plan = LONG if long else SHORT
    if subscribers:
        plan = FaultPlan(**{**asdict(plan), "subscribers": subscribers})
    result = run_faults(plan, log=log)
    return {
        "variant": "long" if long else "short",
        **result.as_json(),
        "problems": result.problems(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
