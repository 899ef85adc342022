"""The run of `civicloop bench inbox` and its one report: webhook events under load, then the inbox listed."""

import time
from collections import Counter
from typing import Any

from django.db.models import Count

from civicloop.assistant.bench.inbox_events import NetworkAccounts, events_drive, events_plan
from civicloop.assistant.bench.inbox_listing import inbox_fill, inbox_pages_time
from civicloop.assistant.models import AssistantMessage
from civicloop.core.loadtest import app_serving, database_url, python_drive

TARGET_EVENTS_PER_SECOND = 500.0
TARGET_EVENTS_P99_MS = 100.0
TARGET_INBOX_P50_MS = 50.0
WARMUP_FIRST = 10**9  # the warm-up's event ids, apart from the timed run's


def targets_met(report: dict[str, Any]) -> bool:
    return (
        report["errors"] == 0
        and report["stored_once"]
        and report["events_per_second"] >= TARGET_EVENTS_PER_SECOND
        and report["p99_ms"] <= TARGET_EVENTS_P99_MS
        and report["inbox_list_p50_ms"] <= TARGET_INBOX_P50_MS
        and report["inbox_filtered_p50_ms"] <= TARGET_INBOX_P50_MS
    )


def run_inbox(
    *,
    events: int,
    connections: int,
    warmup: int,
    healthz_seconds: int,
    conversations: int,
    messages: int,
    repeat: int,
    workers: int,
    threads: int,
    server_name: str = "granian",
) -> dict[str, Any]:
    """Serve the app, drive signed webhook events and /healthz, check each event was stored once, then fill
    the inbox and time its pages in-process."""
    accounts = NetworkAccounts()
    with app_serving(
        server=server_name,
        database=database_url(),
        workers=workers,
        threads=threads,
        settings_env=accounts.settings_env(),
    ) as server:
        host = server.base_url.removeprefix("http://")
        warmup_plan = events_plan(warmup, accounts=accounts, host=host, seed=1, first=WARMUP_FIRST)
        if warmup_plan:
            events_drive(server.base_url, warmup_plan, connections=connections)
        plan = events_plan(events, accounts=accounts, host=host)
        healthz = python_drive(
            server.base_url, ["/healthz"], connections=connections, seconds=healthz_seconds
        )
        measured = events_drive(server.base_url, plan, connections=connections)
    inbound = AssistantMessage.objects.filter(direction=AssistantMessage.Direction.IN)
    stored_by_id = inbound.exclude(remote_id="").count() + inbound.exclude(provider_message_id="").count()
    # Each event stored once: retries (the same id again) add nothing.
    stored_expected = len({(event.kind, event.key) for event in [*warmup_plan, *plan]})
    report: dict[str, Any] = {
        "suite": "inbox",
        "events": measured.events,
        "retries": sum(event.retry for event in plan),
        "mix": dict(Counter(event.kind for event in plan if not event.retry)),
        "server": server.description,
        "connections": connections,
        "workers": workers,
        "threads": threads,
        "seconds": round(measured.seconds, 2),
        "events_per_second": round(measured.per_second, 1),
        "p50_ms": round(measured.p50_ms, 2),
        "p99_ms": round(measured.p99_ms, 2),
        "p99_ms_by_kind": measured.p99_ms_by_network,
        "errors": measured.errors,
        "error_kinds": measured.error_kinds,
        "healthz_per_second": round(healthz.rps, 1),
        "healthz_p99_ms": round(healthz.p99_ms, 2),
        "ratio_to_healthz": round(measured.per_second / healthz.rps, 3) if healthz.rps else 0.0,
        "stored_inbound": stored_by_id,
        "stored_expected": stored_expected,
        "stored_once": stored_by_id == stored_expected,
        "stored_by_channel": {
            row["conversation__channel"]: row["n"]
            for row in inbound.values("conversation__channel").annotate(n=Count("id")).order_by("-n")
        },
    }
    started = time.perf_counter()
    report["fill_seconds"] = round(inbox_fill(conversations=conversations, messages=messages), 1)
    report["inbox_conversations"] = conversations
    report["inbox_messages"] = messages
    report |= inbox_pages_time(repeat=repeat)
    report["listing_seconds"] = round(time.perf_counter() - started, 1)
    report["targets"] = {
        "events_per_second_min": TARGET_EVENTS_PER_SECOND,
        "p99_max_ms": TARGET_EVENTS_P99_MS,
        "inbox_p50_max_ms": TARGET_INBOX_P50_MS,
    }
    report["met"] = targets_met(report)
    return report
