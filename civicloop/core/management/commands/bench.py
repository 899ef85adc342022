"""`civicloop bench <suite>`: performance benchmarks, run in a throwaway database."""

import os
import platform
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import override_settings, setup_databases, teardown_databases

from civicloop.core import bench


@contextmanager
def throwaway_database(verbosity: int) -> Iterator[str]:
    """A fresh, migrated database beside the configured one (never the configured one), dropped afterwards.

    Django's test-database machinery creates it: on SQLite a temporary file (the server runs on a
    file, not in memory), on PostgreSQL a `<name>_bench` database on the same server.
    """
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    test_settings = settings_dict.setdefault("TEST", {})
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.gettempdir()) / f"civicloop-bench-{os.getpid()}.sqlite3")
    else:
        test_settings["NAME"] = f"{settings_dict['NAME']}_bench"
    old_config = setup_databases(
        verbosity=max(verbosity - 1, 0),
        interactive=False,
        serialized_aliases=set(),
    )
    try:
        yield str(connection.settings_dict["NAME"])
    finally:
        teardown_databases(old_config, verbosity=max(verbosity - 1, 0))


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a benchmark as Ctrl-C does: its servers are stopped and its database dropped."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def database_description() -> str:
    """`sqlite 3.40.1`, `postgresql 15.18`: the current database's vendor and server version."""
    return f"{connection.vendor} {'.'.join(str(part) for part in connection.get_database_version())}"


def machine_facts() -> dict[str, Any]:
    """What a benchmark's figures depend on besides the code."""
    return {
        "database": database_description(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }


class Command(BaseCommand):
    help = "Run a benchmark suite in a throwaway database (the configured database is not touched)."

    def add_arguments(self, parser: CommandParser) -> None:
        suites = parser.add_subparsers(title="suites", dest="suite", required=True)
        pages = suites.add_parser(
            "pages",
            help=f"Time /announcements/, a filtered list, a filtered feed and /events.ics "
            f"(target: median ≤ {bench.TARGET_MS:.0f} ms).",
        )
        pages.add_argument(
            "--count", type=int, default=100_000, help="Announcements to load (default 100000)."
        )
        pages.add_argument("--repeat", type=int, default=20, help="Timed requests per page (default 20).")
        faults = suites.add_parser(
            "faults",
            help="Send one alert by email and SMS on a private PostgreSQL, Redis and RQ workers while "
            "killing workers ten times, restarting PostgreSQL, stopping Redis and failing the providers; "
            "prints one JSON line.",
        )
        faults.add_argument("--long", action="store_true", help="10,000 residents, Redis down 30 s.")
        faults.add_argument("--subscribers", type=int, default=0, help="Residents (default: the variant's).")
        fanout = suites.add_parser(
            "fanout",
            help="Fan one urgent alert out to N synthetic subscribers, then send email and SMS to local "
            "servers; prints one JSON line.",
        )
        fanout.add_argument("--subscribers", type=int, default=1_000_000, help="Synthetic subscribers.")
        fanout.add_argument(
            "--naive", action="store_true", help="Fan out with a Python loop of INSERTs, for comparison."
        )
        fanout.add_argument(
            "--send-seconds", type=float, default=10.0, help="Seconds of sending per channel (0 to skip)."
        )
        fanout.add_argument(
            "--email-workers", type=int, default=1, help="Worker processes sending email at once (default 1)."
        )
        fanout.add_argument(
            "--smtp-server",
            choices=("counter", "aiosmtpd"),
            default="counter",
            help="Local SMTP server: a pipelining relay that counts (default) or aiosmtpd.",
        )
        open311 = suites.add_parser(
            "open311",
            help="Serve N service requests with granian (or gunicorn) and drive the Open311 reads and "
            "/healthz with a concurrent load generator; prints one JSON line.",
        )
        open311.add_argument("--count", type=int, default=1_000_000, help="Service requests to load.")
        open311.add_argument("--duration", type=int, default=10, help="Seconds of load per endpoint.")
        open311.add_argument(
            "--warmup", type=int, default=2, help="Untimed seconds of load per endpoint first (0 to skip)."
        )
        open311.add_argument("--connections", type=int, default=64, help="Concurrent connections.")
        open311.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="Turns of every endpoint, each run just after a /healthz run; medians of runs and ratios.",
        )
        open311.add_argument(
            "--generator",
            choices=["auto", "wrk", "python"],
            default="auto",
            help="Load generator: wrk, the built-in asyncio one, or auto (wrk when on PATH).",
        )
        from civicloop.core.loadtest import SERVERS

        open311.add_argument(
            "--server",
            choices=SERVERS,
            default="granian",
            help="The production server: granian (default; its HTTP handled in Rust) or gunicorn (gthread).",
        )
        open311.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="Server processes (default: CPUs)."
        )
        # One thread: the work is CPU-bound, and threads waiting on the GIL after each SQLite call made
        # single-request reads 2-3x slower with 2 or 4 threads (docs/benchmarks.md).
        open311.add_argument(
            "--threads", type=int, default=1, help="The app's threads per worker (granian: blocking threads)."
        )
        sms = suites.add_parser(
            "sms",
            help="Serve the SMS assistant with granian and drive Twilio-signed inbound texts (FAQ questions, "
            "keywords, STOP/START, 311 reports) and /healthz; time FAQ retrieval in-process; prints one "
            "JSON line.",
        )
        sms.add_argument(
            "--messages", type=int, default=6000, help="Timed texts, retries aside (default 6000)."
        )
        sms.add_argument(
            "--phones", type=int, default=3000, help="Distinct numbers the texts come from (at most 9000)."
        )
        sms.add_argument("--connections", type=int, default=64, help="Concurrent connections.")
        sms.add_argument(
            "--warmup",
            type=int,
            default=300,
            help="Untimed texts first, from other numbers (each worker loads the model); 0 to skip.",
        )
        sms.add_argument(
            "--healthz-seconds", type=int, default=10, help="Seconds of /healthz load, for the ratio."
        )
        sms.add_argument(
            "--faq-queries", type=int, default=500, help="FAQ retrievals timed in-process (default 500)."
        )
        sms.add_argument(
            "--server", choices=SERVERS, default="granian", help="The production server (default granian)."
        )
        sms.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="Server processes (default: CPUs)."
        )
        sms.add_argument(
            "--threads", type=int, default=1, help="The app's threads per worker (granian: blocking threads)."
        )
        forums = suites.add_parser(
            "forums",
            help="Load N ideas and M comments, time a question page and idea pages in-process "
            "(target: median ≤ 50 ms) and the civility check's posts/s and p99; prints one JSON line.",
        )
        forums.add_argument("--ideas", type=int, default=100_000, help="Ideas to load (default 100000).")
        forums.add_argument(
            "--comments", type=int, default=1_000_000, help="Comments to load (default 1000000)."
        )
        forums.add_argument("--repeat", type=int, default=20, help="Timed requests per page (default 20).")
        opinions = suites.add_parser(
            "opinions",
            help="Opinion mapping on a synthetic conversation with planted groups, built in memory (no "
            "database): time the analysis and a warm-started update after 1%% new votes; prints one "
            "JSON line.",
        )
        opinions.add_argument(
            "--participants", type=int, default=50_000, help="Participants (default 50000)."
        )
        opinions.add_argument("--statements", type=int, default=2000, help="Statements (default 2000).")
        opinions.add_argument(
            "--groups", type=int, default=3, help="Planted opinion groups, 2 to 5 (default 3)."
        )
        opinions.add_argument(
            "--votes-per-participant",
            type=float,
            default=50.0,
            help="Mean votes per participant (default 50).",
        )
        opinions.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        opinions.add_argument(
            "--compare",
            action="store_true",
            help="Then run red-dwarf's Polis pipeline on the same votes in a child process and add its "
            'time, peak memory and ARIs as "compare" (exit 2 if red-dwarf cannot be imported).',
        )
        opinions.add_argument(
            "--compare-python",
            metavar="PATH",
            help="The interpreter with red-dwarf installed, for --compare (default: this one).",
        )
        opinions.add_argument(
            "--compare-timeout",
            type=float,
            default=900.0,
            metavar="SECONDS",
            help='Kill red-dwarf after this long and report "timed_out_after" (default 900).',
        )

        load = suites.add_parser(
            "load",
            help="Serve the demo city with granian and drive N simulated residents (reading, subscribing, "
            "posting, supporting, 311, Open311, SMS) while one alert is fanned out and emailed to M "
            "recipients; prints one JSON line.",
        )
        load.add_argument("--residents", type=int, default=200, help="Simulated residents (default 200).")
        load.add_argument("--seconds", type=int, default=300, help="Seconds of load (default 300).")
        load.add_argument(
            "--recipients", type=int, default=100_000, help="Email recipients of the alert (default 100000)."
        )
        load.add_argument(
            "--workers", type=int, default=1, help="Email worker processes sending at once (default 1)."
        )
        load.add_argument(
            "--think-seconds",
            type=float,
            default=3.0,
            help="A resident's mean pause between actions (uniform from 0 to twice this; default 3).",
        )
        load.add_argument(
            "--server-workers", type=int, default=0, help="granian processes (default: one per CPU)."
        )

        opendata = suites.add_parser(
            "opendata",
            help="Load N service requests, export the 311 dataset in every format (a fresh process: time "
            "and peak RSS), time filtered datastore_search and /resource/ queries and the insights page; "
            "prints one JSON line.",
        )
        opendata.add_argument("--count", type=int, default=1_000_000, help="Service requests to load.")
        opendata.add_argument("--repeat", type=int, default=30, help="Timed requests per query (default 30).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["suite"] == "pages":
            self.run_pages(count=options["count"], repeat=options["repeat"], verbosity=options["verbosity"])
        elif options["suite"] == "faults":
            self.run_faults(options)
        elif options["suite"] == "fanout":
            self.run_fanout(options)
        elif options["suite"] == "open311":
            self.run_open311(options)
        elif options["suite"] == "forums":
            self.run_forums(options)
        elif options["suite"] == "sms":
            self.run_sms(options)
        elif options["suite"] == "opinions":
            self.run_opinions(options)
        elif options["suite"] == "opendata":
            self.run_opendata(options)
        elif options["suite"] == "load":
            self.run_load(options)

    def run_load(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.core.loadmix import run_load
        from civicloop.core.loadtest import BenchServerError

        for name in ("residents", "seconds", "recipients", "workers"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if options["residents"] > 60_000:
            raise CommandError("--residents must be at most 60000 (one loopback address each).")
        if options["think_seconds"] < 0:
            raise CommandError("--think-seconds must not be negative.")
        warnings.filterwarnings("ignore", message="No directory at")
        load_average = os.getloadavg()[0]
        with override_settings(DEBUG=False), sigterm_as_interrupt(), throwaway_database(options["verbosity"]):
            try:
                result = run_load(
                    residents=options["residents"],
                    seconds=options["seconds"],
                    recipients=options["recipients"],
                    workers=options["workers"],
                    think=options["think_seconds"],
                    server_workers=options["server_workers"] or None,
                )
            except BenchServerError as error:
                raise CommandError(str(error)) from error
            result |= machine_facts()
        result["load_average_before"] = round(load_average, 2)
        self.stdout.write(json.dumps(result))

    def run_opendata(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.opendata.bench import run_opendata

        if options["count"] < 1 or options["repeat"] < 1:
            raise CommandError("--count and --repeat must be at least 1.")
        warnings.filterwarnings("ignore", message="No directory at")
        load_average = os.getloadavg()[0]
        with override_settings(DEBUG=False), sigterm_as_interrupt(), throwaway_database(options["verbosity"]):
            result = run_opendata(count=options["count"], repeat=options["repeat"])
            result |= machine_facts()
        result["load_average_before"] = round(load_average, 2)
        self.stdout.write(json.dumps(result))

    def run_opinions(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.deliberation.bench import SHARES, RedDwarfMissing, run_opinions

        if options["participants"] < 1 or options["statements"] < 1:
            raise CommandError("--participants and --statements must be at least 1.")
        if options["groups"] not in SHARES:
            raise CommandError(f"--groups must be from {min(SHARES)} to {max(SHARES)}.")
        if options["votes_per_participant"] < 1:
            raise CommandError("--votes-per-participant must be at least 1.")
        if options["compare_python"] is not None and not options["compare"]:
            raise CommandError("--compare-python needs --compare.")
        if options["compare_timeout"] <= 0:
            raise CommandError("--compare-timeout must be positive.")
        compare_python = (options["compare_python"] or sys.executable) if options["compare"] else None
        load_average = os.getloadavg()[0]
        try:
            result = run_opinions(
                participants=options["participants"],
                statements=options["statements"],
                groups=options["groups"],
                votes_per_participant=options["votes_per_participant"],
                seed=options["seed"],
                compare_python=compare_python,
                compare_timeout=options["compare_timeout"],
            )
        except RedDwarfMissing as error:
            raise CommandError(str(error), returncode=2) from error
        result["python"] = platform.python_version()
        result["load_average_before"] = round(load_average, 2)
        if "compare" in result:  # last, after our own figures
            result["compare"] = result.pop("compare")
        self.stdout.write(json.dumps(result))

    def run_sms(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.assistant.bench import PHONES_MAX, run_sms
        from civicloop.core.loadtest import BenchServerError

        for name in ("messages", "connections", "healthz_seconds", "faq_queries", "workers", "threads"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if not 2 <= options["phones"] <= PHONES_MAX:
            raise CommandError(f"--phones must be from 2 to {PHONES_MAX}.")
        warnings.filterwarnings("ignore", message="No directory at")
        load_average = os.getloadavg()[0]
        with override_settings(DEBUG=False), sigterm_as_interrupt(), throwaway_database(options["verbosity"]):
            try:
                result = run_sms(
                    messages=options["messages"],
                    phones=options["phones"],
                    connections=options["connections"],
                    warmup=max(options["warmup"], 0),
                    healthz_seconds=options["healthz_seconds"],
                    faq_queries=options["faq_queries"],
                    workers=options["workers"],
                    threads=options["threads"],
                    server_name=options["server"],
                )
            except BenchServerError as error:
                raise CommandError(str(error)) from error
            result |= machine_facts()
        result["load_average_before"] = round(load_average, 2)
        self.stdout.write(json.dumps(result))

    def run_forums(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.core.bench import BenchResponseError
        from civicloop.engage.bench import run_forums

        for name in ("ideas", "comments", "repeat"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        warnings.filterwarnings("ignore", message="No directory at")
        load_average = os.getloadavg()[0]
        # DEBUG=1 (needed for local settings) would keep every SQL statement in memory: turn it off.
        with override_settings(DEBUG=False), sigterm_as_interrupt(), throwaway_database(options["verbosity"]):
            try:
                result = run_forums(
                    ideas=options["ideas"], comments=options["comments"], repeat=options["repeat"]
                )
            except BenchResponseError as error:
                raise CommandError(str(error)) from error
            result |= machine_facts()
        result["load_average_before"] = round(load_average, 2)
        self.stdout.write(json.dumps(result))

    def run_open311(self, options: dict[str, Any]) -> None:
        import json
        import shutil

        from civicloop.core.loadtest import BenchServerError
        from civicloop.servicerequests.bench import run_open311

        for name in ("count", "duration", "connections", "workers", "threads", "rounds"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        generator = options["generator"]
        if generator == "auto":
            generator = "wrk" if shutil.which("wrk") else "python"
        elif generator == "wrk" and not shutil.which("wrk"):
            raise CommandError("wrk is not on PATH (apt-get install wrk), or use --generator python.")
        warnings.filterwarnings("ignore", message="No directory at")
        load_average = os.getloadavg()[0]
        with override_settings(DEBUG=False), sigterm_as_interrupt(), throwaway_database(options["verbosity"]):
            try:
                result = run_open311(
                    count=options["count"],
                    seconds=options["duration"],
                    warmup=max(options["warmup"], 0),
                    connections=options["connections"],
                    generator=generator,
                    workers=options["workers"],
                    threads=options["threads"],
                    rounds=options["rounds"],
                    server_name=options["server"],
                )
            except BenchServerError as error:
                raise CommandError(str(error)) from error
            result |= machine_facts()
        result["load_average_before"] = round(load_average, 2)
        self.stdout.write(json.dumps(result))

    def run_faults(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.delivery.faults import bench_faults, missing_tools

        if missing := missing_tools():
            raise CommandError(missing)
        load_average = os.getloadavg()[0]
        verbose = options["verbosity"] > 1
        with sigterm_as_interrupt():
            result = bench_faults(
                long=options["long"],
                subscribers=options["subscribers"] or None,
                log=(lambda text: self.stderr.write(text)) if verbose else None,
            )
        result["load_average_before"] = round(load_average, 2)
        self.stdout.write(json.dumps(result))
        if result["problems"]:
            raise CommandError("; ".join(result["problems"]))

    def run_fanout(self, options: dict[str, Any]) -> None:
        import json

        from django.conf import settings

        from civicloop.delivery.bench import run_fanout

        if options["subscribers"] < 1:
            raise CommandError("--subscribers must be at least 1.")
        warnings.filterwarnings("ignore", message="No directory at")
        with override_settings(DEBUG=False), throwaway_database(options["verbosity"]):
            result = run_fanout(
                subscribers=options["subscribers"],
                naive=options["naive"],
                send_seconds=options["send_seconds"],
                settings=settings,
                email_workers=options["email_workers"],
                smtp_server=options["smtp_server"],
            )
        self.stdout.write(json.dumps(result.as_json()))

    def run_pages(self, *, count: int, repeat: int, verbosity: int) -> None:
        if count < 1 or repeat < 1:
            raise CommandError("--count and --repeat must be at least 1.")
        # WhiteNoise warns on each new handler when staticfiles/ was not collected: not our concern here.
        warnings.filterwarnings("ignore", message="No directory at")
        # DEBUG=1 (needed for local settings) would keep every SQL statement in memory: turn it off.
        with override_settings(DEBUG=False), throwaway_database(verbosity) as name:
            self.stdout.write(
                f"civicloop bench pages: {count} announcements, {repeat} timed requests per page\n"
                f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"Django {django.get_version()}, {database_description()} (throwaway database {name})"
            )
            self.stdout.write("loading…")
            loaded = bench.load_announcements(count=count)
            self.stdout.write(
                f"loaded {loaded.count} announcements, {loaded.translations} translations, "
                f"{loaded.topic_links} topic links, {loaded.area_links} area links "
                f"in {loaded.seconds:.1f} s"
            )
            try:
                timings = bench.measure(bench.pages_urls(loaded.area_slug), repeat=repeat)
            except bench.BenchResponseError as error:
                raise CommandError(str(error)) from error
        self.stdout.write("")
        self.stdout.write(bench.format_table(timings))
        failed = [t.label for t in timings if t.verdict == "FAIL"]
        self.stdout.write("")
        if failed:
            self.stdout.write(
                self.style.WARNING(f"FAIL: over {bench.TARGET_MS:.0f} ms (median): {', '.join(failed)}")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"PASS: every targeted page ≤ {bench.TARGET_MS:.0f} ms (median)")
            )
