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
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
PG_VERSIONS = Path("/usr/lib/postgresql")
FINAL = ("sent", "delivered", "failed", "bounced", "suppressed", "cancelled")


# --- what is needed ---------------------------------------------------------------------------------


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


# --- a private PostgreSQL cluster ---------------------------------------------------------------------


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


# --- a private Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """redis-server on a free port with an append-only file; stop() and start() keep its data."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="civicloop-faults-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.down_seconds = 0.0

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(  # noqa: S603 (redis-server from PATH, our own arguments)
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def outage(self, seconds: float) -> None:
        started = time.monotonic()
        self.stop()
        time.sleep(seconds)
        self.start()
        self.down_seconds += time.monotonic() - started

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- providers that fail on demand ------------------------------------------------------------------------

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


@dataclass
class FaultySmtp:
    """aiosmtpd handler: accepts and counts, or (mode) answers 451/421, or hangs `hang_seconds` then 451."""

    mode: str = "ok"
    hang_seconds: float = 3.0
    received: Counter[str] = field(default_factory=Counter)  # Message-ID -> copies accepted
    recipients: Counter[str] = field(default_factory=Counter)
    errors_answered: int = 0
    hangs: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Offer PIPELINING as a production relay does, so the faults hit the pipelined send path.
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mode = self.mode
        if mode == "error":
            with self.lock:
                self.errors_answered += 1
                odd = self.errors_answered % 2
            return (
                "451 4.3.0 Mail server temporarily rejected message" if odd else "421 4.7.0 Try again later"
            )
        if mode == "hang":
            with self.lock:
                self.hangs += 1
            await asyncio.sleep(self.hang_seconds)  # past the client's EMAIL_TIMEOUT
            return "451 4.4.2 Timeout"  # stored nothing
        found = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.received[found.group(1).decode() if found else "?"] += 1
            for address in envelope.rcpt_tos:
                self.recipients[address] += 1
        return "250 Message accepted"


@contextlib.contextmanager
def faulty_smtp() -> Iterator[tuple[FaultySmtp, int]]:
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
    handler = FaultySmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.mode = "ok"
        controller.stop()


def faulty_twilio() -> Any:
    """A FakeTwilio without idempotency (as Twilio's Messages API), failing or hanging as `mode` says."""
    from civicloop.integrations.tests.fake_twilio import Answer, FakeTwilio, twilio_error

    class FaultyTwilio(FakeTwilio):
        def __init__(self) -> None:
            super().__init__()
            self.mode = "ok"
            self.hang_seconds = 11.0  # the adapter gives up after 10 s
            self.errors_answered = 0
            self.hangs = 0
            self.to: Counter[str] = Counter()

        def _next_programmed(self) -> Answer | None:
            with self._lock:
                self.requests_received += 1
                if self.mode == "error":
                    self.errors_answered += 1
                    kind = self.errors_answered % 3
                    if kind == 0:
                        answer = twilio_error(429, 20429, "Too Many Requests")
                        answer.headers["Retry-After"] = "1"
                        return answer
                    return twilio_error(500 if kind == 1 else 503, 20500, "Internal Server Error")
                if self.mode == "hang":
                    self.hangs += 1
                    hang = twilio_error(503, 20500, "Service Unavailable")
                    hang.delay = self.hang_seconds
                    return hang
            return None

        def _create(self, account: str, form: dict[str, str], token: str) -> tuple[int, str]:
            status, body = super()._create(account, form, "")  # the token is not honoured
            if status == 201:
                with self._lock:
                    self.to[form.get("To", "")] += 1
            return status, body

    return FaultyTwilio()


# --- workers under a supervisor -----------------------------------------------------------------------------


class Workers:
    """N `civicloop worker` processes, each restarted when it exits (systemd's Restart=always)."""

    def __init__(self, count: int, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0
        self.starts = 0
        self.exits: Counter[int] = Counter()  # exit codes of the exits that were not our kills
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._killed: set[int] = set()

    def _start(self, slot: int) -> None:
        with (self.logs / f"worker-{slot}.log").open("ab") as log:
            self.processes[slot] = subprocess.Popen(
                [sys.executable, "-m", "civicloop", "worker"],
                cwd=PROJECT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes the horse and scheduler too
            )
        self.starts += 1

    def start(self) -> Workers:
        for slot in range(len(self.processes)):
            self._start(slot)
        self._thread.start()
        return self

    def _supervise(self) -> None:
        while not self._stopping.wait(0.2):
            with self._lock:
                for slot, process in enumerate(self.processes):
                    if process is None or process.poll() is None:
                        continue
                    if process.pid in self._killed:
                        self._killed.discard(process.pid)
                    else:
                        self.exits[process.returncode] += 1
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)  # what it left behind
                    self._start(slot)

    def kill(self, slot: int) -> None:
        """SIGKILL to one worker's process group (the worker, its work horse, its scheduler)."""
        with self._lock:
            process = self.processes[slot]
            if process is None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            self._killed.add(process.pid)
            self.kills += 1

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for process in self.processes:
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            if process is None:
                continue
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def tail(self, lines: int = 15) -> str:
        out = []
        for slot in range(len(self.processes)):
            path = self.logs / f"worker-{slot}.log"
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- worker {slot}\n" + "\n".join(text))
        return "\n".join(out)


# --- the scenario -------------------------------------------------------------------------------------------

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


@dataclass
class FaultPlan:
    """What goes wrong, and when (as a share of the deliveries done)."""

    subscribers: int = 1500  # 80 % have an email address, 40 % a mobile number
    workers: int = 2
    kills: int = 10
    postgres_restarts: int = 1
    redis_down_seconds: float = 3.0
    smtp_error_seconds: float = 2.0
    smtp_hang_seconds: float = 3.0  # a window of hangs, each past EMAIL_TIMEOUT
    sms_error_seconds: float = 2.0
    sms_hang_seconds: float = 2.0  # requests that come in this window hang 11 s (the adapter waits 10)
    batch: int = 20
    lease_seconds: float = 15.0  # above a batch's worst time (a hung Twilio request is 10 s)
    email_rate: float = 80.0  # per worker, so that the send lasts long enough for every fault
    sms_rate: float = 40.0
    email_timeout: float = 1.0
    recovery_seconds: float = 120.0  # after the last fault, every delivery must be final by then
    stall_seconds: float = 90.0  # no progress for this long while faults remain: give up


@dataclass
class FaultResult:
    subscribers: int
    deliveries: int
    email_expected: int
    sms_expected: int
    statuses: dict[str, int]
    stuck: int
    email_recipients: int
    email_copies: int
    email_repeats: int
    sms_recipients: int
    sms_copies: int
    sms_repeats: int
    kills: int
    postgres_restarts: int
    postgres_restart_seconds: float
    redis_down_seconds: float
    smtp_errors_answered: int
    smtp_hangs: int
    twilio_errors_answered: int
    twilio_hangs: int
    worker_starts: int
    worker_exits: dict[str, int]
    repeat_bound: int
    setup_seconds: float
    send_seconds: float
    recovery_seconds: float
    faults_done: bool
    events: list[str]

    def problems(self) -> list[str]:
        """The promises broken (empty when the send survived every fault)."""
        found = []
        if self.deliveries != self.email_expected + self.sms_expected:
            found.append(
                f"{self.deliveries} deliveries for {self.email_expected + self.sms_expected} contacts"
            )
        if self.stuck:
            found.append(f"{self.stuck} deliveries not final after recovery: {self.statuses}")
        if self.statuses.get("sent", 0) != self.deliveries:
            found.append(f"not every delivery was sent: {self.statuses}")
        if self.email_recipients != self.email_expected:
            found.append(f"{self.email_recipients} of {self.email_expected} email recipients got the email")
        if self.sms_recipients != self.sms_expected:
            found.append(f"{self.sms_recipients} of {self.sms_expected} SMS recipients got the text")
        if self.email_repeats > self.repeat_bound:
            found.append(f"{self.email_repeats} repeated emails, more than {self.repeat_bound}")
        if self.sms_repeats > self.repeat_bound:
            found.append(f"{self.sms_repeats} repeated texts, more than {self.repeat_bound}")
        if not self.faults_done:
            found.append(f"the send ended before every fault happened: {self.events}")
        return found

    def as_json(self) -> dict[str, Any]:
        result = asdict(self)
        for name in ("postgres_restart_seconds", "redis_down_seconds", "setup_seconds", "send_seconds"):
            result[name] = round(result[name], 2)
        result["recovery_seconds"] = round(result["recovery_seconds"], 2)
        return result


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


# The test's variant (civicloop/delivery/tests/test_faults.py) and the long one (`civicloop bench faults`).
SHORT = FaultPlan()
LONG = FaultPlan(
    subscribers=10_000,
    redis_down_seconds=30.0,
    smtp_error_seconds=10.0,
    smtp_hang_seconds=10.0,
    sms_error_seconds=10.0,
    sms_hang_seconds=10.0,
    batch=50,
    email_rate=150.0,
    sms_rate=75.0,
    recovery_seconds=300.0,
    stall_seconds=120.0,
)


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
