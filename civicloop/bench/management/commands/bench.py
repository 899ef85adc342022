"""`civicloop bench <suite>`: performance benchmarks, run in a throwaway database."""

import os
import platform
import sys
import warnings
from typing import Any

import django
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from civicloop.announcements import bench as announcements_bench
from civicloop.bench.environment import (
    database_description,
    machine_facts,
    sigterm_as_interrupt,
    throwaway_database,
)
from civicloop.bench.suites import suites_add
from civicloop.core import bench


class Command(BaseCommand):
    help = "Run a benchmark suite in a throwaway database (the configured database is not touched)."

    def add_arguments(self, parser: CommandParser) -> None:
        suites_add(parser)

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
        elif options["suite"] == "inbox":
            self.run_inbox(options)
        elif options["suite"] == "opinions":
            self.run_opinions(options)
        elif options["suite"] == "opendata":
            self.run_opendata(options)
        elif options["suite"] == "load":
            self.run_load(options)

    def run_load(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.bench.loadmix import run_load
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

    def run_inbox(self, options: dict[str, Any]) -> None:
        import json

        from civicloop.assistant.bench.inbox_run import run_inbox
        from civicloop.core.loadtest import BenchServerError

        for name in (
            "events",
            "connections",
            "healthz_seconds",
            "conversations",
            "repeat",
            "workers",
            "threads",
        ):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["messages"] < options["conversations"]:
            raise CommandError("--messages must be at least --conversations (one message each).")
        warnings.filterwarnings("ignore", message="No directory at")
        load_average = os.getloadavg()[0]
        with override_settings(DEBUG=False), sigterm_as_interrupt(), throwaway_database(options["verbosity"]):
            try:
                result = run_inbox(
                    events=options["events"],
                    connections=options["connections"],
                    warmup=max(options["warmup"], 0),
                    healthz_seconds=options["healthz_seconds"],
                    conversations=options["conversations"],
                    messages=options["messages"],
                    repeat=options["repeat"],
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
            loaded = announcements_bench.load_announcements(count=count)
            self.stdout.write(
                f"loaded {loaded.count} announcements, {loaded.translations} translations, "
                f"{loaded.topic_links} topic links, {loaded.area_links} area links "
                f"in {loaded.seconds:.1f} s"
            )
            try:
                timings = bench.measure(announcements_bench.pages_urls(loaded.area_slug), repeat=repeat)
            except bench.BenchResponseError as error:
                raise CommandError(str(error)) from error
        self.stdout.write("")
        self.stdout.write(bench.format_table(timings))
        failed = [t.label for t in timings if t.verdict == "FAIL"]
        self.stdout.write("")
        if failed:
            self.stdout.write(
                self.style.WARNING(
                    f"FAIL: over {announcements_bench.TARGET_MS:.0f} ms (median): {', '.join(failed)}"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"PASS: every targeted page ≤ {announcements_bench.TARGET_MS:.0f} ms (median)"
                )
            )
