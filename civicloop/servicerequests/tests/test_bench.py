import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from civicloop.core.loadtest import SERVERS, Measurement
from civicloop.servicerequests import bench
from civicloop.servicerequests.models import Service, ServiceRequest, StatusChange

ENDPOINTS = {"healthz", "requests_default", "requests_service", "request_single", "requests_uncached"}


@pytest.mark.parametrize("server", SERVERS)
def test_the_command_serves_a_small_city_and_prints_one_json_line(server, capsys, transactional_db):
    # Given a small city, served by one worker of either server, driven by the built-in generator
    call_command(
        "bench",
        "open311",
        *("--count", "2000", "--duration", "1", "--warmup", "0", "--connections", "4"),
        *("--workers", "1", "--threads", "2", "--generator", "python", "--rounds", "2", "--server", server),
    )

    # Then it prints one JSON line with every endpoint measured and no error
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["suite"] == "open311" and report["count"] == 2000 and report["generator"] == "python"
    assert report["server"].startswith(f"{server} ") and report["connections"] == 4
    assert {"database", "cpus", "python", "django", "load_seconds"} <= set(report)
    assert report["targets"] == {"ratio_min": 0.5, "p99_max_ms": 100.0}
    assert set(report["endpoints"]) == ENDPOINTS
    for name, row in report["endpoints"].items():
        assert row["errors"] == 0, name
        assert row["responses"] > 0 and row["rps"] > 0, name
        assert 0 < row["p50_ms"] <= row["p99_ms"], name
        assert ("ratio_to_healthz" in row) == (name != "healthz")
        # /healthz runs before each of the 4 other endpoints in each of the 2 rounds
        assert len(row["rps_runs"]) == (8 if name == "healthz" else 2), name
        if name != "healthz":
            assert row["rps"] == min(row["rps_runs"]), name
            assert len(row["ratio_runs"]) == 2 and row["ratio_to_healthz"] == min(row["ratio_runs"]), name
    assert report["met"] == bench.targets_met(report["endpoints"])


def test_the_loaded_requests_look_like_the_citys(transactional_db):
    loaded = bench.requests_generate(200)

    requests = ServiceRequest.objects.all()
    assert loaded.count == requests.count() == 200
    assert requests.filter(status="closed").count() == 140  # n % 10 < 7
    assert requests.filter(closed_at__isnull=False).count() == 140
    # spread over the real services in turn, and the 77 areas with a few requests outside any
    assert requests.values("service").distinct().count() == min(200, Service.objects.count())
    no_area = sum((n // 10) % 80 >= 77 for n in range(1, 201))
    assert requests.filter(community_area__isnull=True).count() == no_area
    # an area's requests are not all open or all closed (the area does not follow n % 10)
    statuses_by_area = requests.values("community_area").annotate(
        kinds=Count("status", distinct=True), requests=Count("id")
    )
    assert all(row["kinds"] == 2 for row in statuses_by_area if row["requests"] >= 4)
    # every request was opened, and the closed ones were closed, on the timeline
    assert loaded.status_changes == StatusChange.objects.count() == 200 + 140
    newest = requests.first()
    assert newest is not None and newest.public_id == f"{newest.requested_at:%y}-{newest.pk:08d}"
    paths = bench.endpoint_paths()
    assert set(paths) == ENDPOINTS and len(paths["request_single"]) == 200
    assert len(set(paths["requests_uncached"])) == bench.UNCACHED_WINDOWS


def test_each_endpoint_reports_its_median_run():
    runs = [
        Measurement(responses=n, seconds=1.0, p50_ms=1.0, p99_ms=float(n), errors=0) for n in (30, 10, 20)
    ]
    assert bench.median_run(runs).responses == 20
    assert bench.median_run(runs[:2]).responses == 10


def test_a_ratio_is_the_median_of_each_run_against_the_healthz_run_before_it():
    paths = {name: [f"/{name}"] for name in ENDPOINTS}
    run = Measurement(responses=1000, seconds=1.0, p50_ms=1.0, p99_ms=2.0, errors=0)
    measured = dict.fromkeys(ENDPOINTS, run)
    pairs = {name: [0.9, 0.4, 0.6] for name in ENDPOINTS - {"healthz"}}

    report = bench.endpoints_report(measured, paths, paired_ratios=pairs)

    assert report["requests_default"]["ratio_to_healthz"] == 0.6  # not 1.0, the rates' own ratio
    assert report["requests_default"]["ratio_runs"] == [0.9, 0.4, 0.6]
    assert "ratio_to_healthz" not in report["healthz"]


def test_the_targets_need_half_the_healthz_rate_a_p99_within_100_ms_and_no_error():
    paths = {name: [f"/{name}"] for name in ENDPOINTS}

    def report(rps: float, p99_ms: float = 50.0, errors: int = 0) -> dict:
        fast = Measurement(responses=1000, seconds=1.0, p50_ms=10.0, p99_ms=50.0, errors=0)
        slow = Measurement(responses=int(rps), seconds=1.0, p50_ms=10.0, p99_ms=p99_ms, errors=errors)
        measured = {
            "healthz": fast,
            "requests_default": slow,
            "requests_service": fast,
            "request_single": fast,
            "requests_uncached": Measurement(responses=10, seconds=1.0, p50_ms=900.0, p99_ms=990.0, errors=0),
        }
        return bench.endpoints_report(measured, paths)

    assert report(rps=500)["requests_default"]["ratio_to_healthz"] == 0.5
    assert bench.targets_met(report(rps=500))
    assert not bench.targets_met(report(rps=499))
    assert not bench.targets_met(report(rps=900, p99_ms=100.1))
    assert not bench.targets_met(report(rps=900, errors=1))
    assert report(rps=500)["requests_uncached"]["ratio_to_healthz"] == 0.01  # reported, not held to them
