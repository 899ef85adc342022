"""`civicloop bench <suite>`: performance benchmarks, run in a throwaway database."""

import os
import platform
import tempfile
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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["suite"] == "pages":
            self.run_pages(count=options["count"], repeat=options["repeat"], verbosity=options["verbosity"])
        elif options["suite"] == "fanout":
            self.run_fanout(options)

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
            )
        self.stdout.write(json.dumps(result.as_json()))

    def run_pages(self, *, count: int, repeat: int, verbosity: int) -> None:
        if count < 1 or repeat < 1:
            raise CommandError("--count and --repeat must be at least 1.")
        # WhiteNoise warns on each new handler when staticfiles/ was not collected: not our concern here.
        warnings.filterwarnings("ignore", message="No directory at")
        # DEBUG=1 (needed for local settings) would keep every SQL statement in memory: turn it off.
        with override_settings(DEBUG=False), throwaway_database(verbosity) as name:
            version = ".".join(str(part) for part in connection.get_database_version())
            self.stdout.write(
                f"civicloop bench pages: {count} announcements, {repeat} timed requests per page\n"
                f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"Django {django.get_version()}, {connection.vendor} {version} (throwaway database {name})"
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
