"""`civicloop bench open311`: the Open311 read API under concurrent load, served by granian.

N synthetic requests are generated inside the database (set-based, one INSERT … SELECT), spread
evenly over the last two years and over the city's real services and community areas. By request
number n: 70 % closed (n % 10 < 6 completed, 6 cannot complete), 30 % open (submitted,
acknowledged, in progress); about 4 % outside any community area; every request has its
"Request opened" status change and closed ones a closing change, as the app records them.

granian (or gunicorn) serves the app on 127.0.0.1 against that database, and a load generator (wrk when it is
on PATH, else the asyncio one of core.loadtest) holds `connections` keep-alive connections open on
each endpoint in turn. Every response must be 200; anything else counts as an error.
"""

import os
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.db import connection, transaction
from django.utils import timezone

from civicloop.core.bulkload import (
    SQL_DIALECTS,
    Columns,
    insert_select,
    sequences_past_loaded_rows,
    sql_case,
    tables_settle,
)
from civicloop.core.loadtest import Measurement, app_serving, database_url, python_drive, wrk_drive
from civicloop.delivery.fanout import _table
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.models import Service, ServiceRequest, StatusChange
from civicloop.servicerequests.services import requests_version_bump, services_load
from civicloop.topics.services import topics_ensure

TARGET_RATIO = 0.5  # each Open311 endpoint's requests/s against /healthz's
TARGET_P99_MS = 100.0
SPAN = timedelta(days=730)
PREFERRED_SERVICE = "Pothole in Street Complaint"
SINGLE_IDS = 1000  # distinct ids the single-request endpoint cycles through
UNCACHED_WINDOWS = 5000  # distinct lists, over twice what the "open311" cache keeps
INFORMATIONAL = {"requests_uncached"}  # measured and printed, not held to the targets
# (n / 10) % 80 picks one of the 77 areas, or none for the last 3 slots; by n / 10 so that the area is
# independent of n % 10, which decides open or closed (every area has both).
AREA_SLOTS = 80

# A request's public number, "YY-00000042", from its filing time and id.
PUBLIC_ID_SQL = {
    "sqlite": "substr(strftime('%%Y', {seconds}, 'unixepoch'), 3) || '-' || printf('%%08d', {number})",
    "postgresql": "to_char(to_timestamp({seconds}) AT TIME ZONE 'UTC', 'YY') || '-' || "
    "lpad({number}::text, 8, '0')",
}
DESCRIPTIONS = [
    "Deep pothole in the curb lane, cars swerve around it.",
    "Overflowing garbage cart in the alley behind the building since Monday.",
    "Street light out on the corner, very dark at night near 1800 block.",
    "Graffiti on the garage door facing the alley.",
    "",
]
STREETS = ["S Halsted St", "W 18th St", "N Milwaukee Ave", "W Madison St", "S Ashland Ave", "N Clark St"]
CLOSING_NOTE = "Completed by the crew"


@dataclass(frozen=True)
class LoadedRequests:
    count: int
    status_changes: int
    seconds: float


def requests_generate(count: int, *, until: datetime | None = None, span: timedelta = SPAN) -> LoadedRequests:
    """Insert `count` service requests and their status changes inside the database (set-based), filed
    evenly over the `span` before `until` (default: now)."""
    started = time.perf_counter()
    topics_ensure()
    community_areas_load()
    services_load()
    sql = SQL_DIALECTS[connection.vendor]
    now = int((until or timezone.now()).timestamp())
    first_id = (ServiceRequest.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    span_seconds = int(span.total_seconds())

    def moment(seconds: str) -> str:
        return sql["moment"].format(seconds=seconds)

    closed = "r.n %% 10 < 7"
    # Closed from 1 to 72 hours after the request, but never in the future.
    closed_at = f"{sql['least']}(r.t + 3600 * (1 + r.n %% 72), %s)"
    detailed = ["completed"] * 6 + ["cannot_complete", "submitted", "acknowledged", "in_progress"]
    request_columns: Columns = [
        ("id", "r.id", []),
        ("public_id", PUBLIC_ID_SQL[connection.vendor].format(seconds="r.t", number="r.id"), []),
        ("token", "'bench-' || r.id", []),
        ("service_id", "s.id", []),
        ("status", f"CASE WHEN {closed} THEN 'closed' ELSE 'open' END", []),
        ("detailed_status", sql_case("r.n", detailed), []),
        ("status_notes", f"CASE WHEN {closed} THEN '{CLOSING_NOTE}' ELSE '' END", []),
        ("description", sql_case("r.n", DESCRIPTIONS), []),
        ("latitude", "41.65 + (r.n %% 3701) * 0.0001", []),
        ("longitude", "-87.85 + (r.n * 7 %% 2903) * 0.0001", []),
        ("address", f"(100 + r.n %% 9900) || ' ' || {sql_case('r.n', STREETS)}", []),
        ("community_area_id", "a.id", []),
        ("agency_responsible", "s.department", []),
        ("channel", sql_case("r.n", ["web", "phone", "api", "sms"]), []),
        ("language", sql_case("r.n", ["en", "en", "es"]), []),
        ("requested_at", moment("r.t"), []),
        ("updated_at", moment(f"CASE WHEN {closed} THEN {closed_at} ELSE r.t END"), [now]),
        ("expected_at", moment("r.t + 3600 * s.sla_hours"), []),
        ("closed_at", f"CASE WHEN {closed} THEN {moment(closed_at)} END", [now]),
    ]
    # Only table names from model metadata and int() values are interpolated: no user input.
    numbered = (
        f"WITH RECURSIVE {sql['series'].format(count=int(count))}, "  # noqa: S608
        "services AS (SELECT id, department, sla_hours, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k "
        f"FROM {_table(Service)}), "
        f"areas AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM {_table(CommunityArea)})"
    )
    generated = (
        f"FROM (SELECT n, n + {first_id - 1} AS id, {now - span_seconds} + n * {span_seconds} / "  # noqa: S608
        f"{int(count)} AS t FROM seq) AS r "
        "JOIN services AS s ON s.k = r.n %% (SELECT COUNT(*) FROM services) "
        f"LEFT JOIN areas AS a ON a.k = (r.n / 10) %% {AREA_SLOTS}"
    )
    requests = f"FROM {_table(ServiceRequest)} WHERE id >= %s"
    with transaction.atomic():
        insert_select(ServiceRequest, request_columns, generated, [], with_clause=numbered)
        # Every request was opened; closed ones also carry the change that closed them.
        status_changes = 0
        for status, detailed_status, note, created_at, which in [
            ("'open'", "'submitted'", "'Request opened'", "requested_at", requests),
            ("status", "detailed_status", "status_notes", "closed_at", f"{requests} AND status = 'closed'"),
        ]:
            change_columns: Columns = [
                ("request_id", "id", []),
                ("status", status, []),
                ("detailed_status", detailed_status, []),
                ("note", note, []),
                ("created_at", created_at, []),
            ]
            status_changes += insert_select(StatusChange, change_columns, which, [first_id])
        sequences_past_loaded_rows(ServiceRequest, StatusChange)
    tables_settle()
    requests_version_bump()  # rows written in SQL, past the services that bump it
    return LoadedRequests(count=count, status_changes=status_changes, seconds=time.perf_counter() - started)


# The benchmark --------------------------------------------------------------------------------


def endpoint_paths(seed: int = 2026) -> dict[str, list[str]]:
    """The URLs driven, by endpoint name: /healthz first, the baseline the others are compared with."""
    codes = Service.objects.order_by("code").values_list("code", flat=True)
    code = codes.filter(name=PREFERRED_SERVICE).first() or codes.first()
    ids = list(ServiceRequest.objects.values_list("id", flat=True).order_by("id")[:1])
    ids += list(ServiceRequest.objects.values_list("id", flat=True).order_by("-id")[:1])
    if not ids or code is None:
        raise ValueError("no requests or services loaded")
    rng = random.Random(seed)
    chosen = rng.sample(range(ids[0], ids[1] + 1), min(SINGLE_IDS, ids[1] - ids[0] + 1))
    public_ids = list(ServiceRequest.objects.filter(id__in=chosen).values_list("public_id", flat=True))
    rng.shuffle(public_ids)  # random ids across the whole table, not in index order
    start = (timezone.now() - timedelta(days=90)).astimezone(UTC)
    return {
        "healthz": ["/healthz"],
        "requests_default": ["/open311/v2/requests.json"],
        "requests_service": [f"/open311/v2/requests.json?service_code={quote(code)}"],
        "request_single": [f"/open311/v2/requests/{quote(public_id)}.json" for public_id in public_ids],
        # Lists never answered from the cache (open311_cache): each a 90-day window a second apart,
        # more of them than the cache holds. Reported, not held to the targets.
        "requests_uncached": [
            f"/open311/v2/requests.json?start_date={(start + timedelta(seconds=step)):%Y-%m-%dT%H:%M:%SZ}"
            for step in range(UNCACHED_WINDOWS)
        ],
    }


def endpoints_report(
    measured: dict[str, Measurement],
    paths: dict[str, list[str]],
    paired_ratios: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """Per endpoint: requests/s, p50 and p99 in ms, errors, and (but /healthz) the ratio to /healthz:
    the lower median of `paired_ratios` (each run against the /healthz run just before it) when
    given, else its requests/s over /healthz's."""
    baseline = measured["healthz"].rps
    report: dict[str, Any] = {}
    for name, measurement in measured.items():
        row: dict[str, Any] = {
            "path": paths[name][0] if len(paths[name]) == 1 else f"{name}: {len(paths[name])} URLs in turn",
            "responses": measurement.responses,
            "rps": round(measurement.rps, 1),
            "p50_ms": round(measurement.p50_ms, 2),
            "p99_ms": round(measurement.p99_ms, 2),
            "errors": measurement.errors,
        }
        if name != "healthz" and paired_ratios is not None:
            row["ratio_to_healthz"] = round(statistics.median_low(paired_ratios[name]), 3)
            row["ratio_runs"] = [round(ratio, 3) for ratio in paired_ratios[name]]
        elif name != "healthz":
            row["ratio_to_healthz"] = round(measurement.rps / baseline, 3) if baseline else 0.0
        report[name] = row
    return report


def targets_met(report: dict[str, Any]) -> bool:
    """No errors anywhere; every p99 within the target and every Open311 endpoint at least half
    /healthz's rate, but the informational ones."""
    return all(
        row["errors"] == 0
        and (
            name in INFORMATIONAL
            or (row["p99_ms"] <= TARGET_P99_MS and row.get("ratio_to_healthz", TARGET_RATIO) >= TARGET_RATIO)
        )
        for name, row in report.items()
    )


def median_run(runs: Sequence[Measurement]) -> Measurement:
    """The run with the median requests/s (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run.rps)[(len(runs) - 1) // 2]


def run_open311(
    *,
    count: int,
    seconds: int,
    warmup: int,
    connections: int,
    generator: str,
    workers: int,
    threads: int,
    rounds: int = 3,
    server_name: str = "granian",
) -> dict[str, Any]:
    """Load `count` requests, serve them with granian or gunicorn, drive each endpoint; the JSON report.

    The endpoints take turns for `rounds` rounds and each reports its median run: on a shared
    machine the same endpoint varied by up to 40 % from one 10-second window to the next. Each
    endpoint's run comes right after a /healthz run, and its ratio is the median of those pairs,
    so a slow spell of the machine slows both sides of a pair instead of one endpoint.
    """
    loaded = requests_generate(count)
    os.sync()  # the load's dirty pages written out now, not during the timed runs
    paths = endpoint_paths()
    drive = wrk_drive if generator == "wrk" else python_drive
    runs: dict[str, list[Measurement]] = {name: [] for name in paths}
    ratios: dict[str, list[float]] = {name: [] for name in paths if name != "healthz"}
    with app_serving(server=server_name, database=database_url(), workers=workers, threads=threads) as server:
        if warmup > 0:  # first requests import code and fill caches in every worker
            for endpoint in paths.values():
                drive(server.base_url, endpoint, connections=connections, seconds=warmup)
        for _round in range(rounds):
            for name in ratios:
                baseline = drive(server.base_url, paths["healthz"], connections=connections, seconds=seconds)
                run = drive(server.base_url, paths[name], connections=connections, seconds=seconds)
                runs["healthz"].append(baseline)
                runs[name].append(run)
                ratios[name].append(run.rps / baseline.rps if baseline.rps else 0.0)
    report = endpoints_report(
        {name: median_run(measured) for name, measured in runs.items()}, paths, paired_ratios=ratios
    )
    for name, measured in runs.items():
        report[name]["rps_runs"] = [round(each.rps, 1) for each in measured]
    return {
        "suite": "open311",
        "count": count,
        "status_changes": loaded.status_changes,
        "load_seconds": round(loaded.seconds, 1),
        "server": server.description,
        "generator": generator,
        "connections": connections,
        "duration_s": seconds,
        "rounds": rounds,
        "endpoints": report,
        "targets": {"ratio_min": TARGET_RATIO, "p99_max_ms": TARGET_P99_MS},
        "met": targets_met(report),
    }
