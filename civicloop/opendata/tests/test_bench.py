"""`civicloop bench opendata` on a small city: the export in its own process, the queries, one JSON line."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.opendata.bench import query_urls


def test_the_command_exports_queries_and_prints_one_json_line(capsys, transactional_db):
    call_command("bench", "opendata", "--count", "400", "--repeat", "3")

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["suite"] == "opendata" and report["requests"] == 400
    export = report["export_all_formats"]
    assert export["seconds"] > 0 and export["peak_rss_mb"] > 0
    # The target's figure is the CSV's own time, as the refresh measured it: part of the whole.
    assert 0 < export["csv_seconds"] < export["seconds"]
    assert report["met"]["export_seconds"] == (export["csv_seconds"] <= report["targets"]["export_seconds"])
    assert set(export["bytes"]) == {"data.csv", "data.json", "data.geojson", "datastore.sqlite3"}
    assert all(size > 0 for size in export["bytes"].values())
    assert set(report["queries"]) == {"datastore_search", "datastore_search_sorted", "soda_where"}
    for kind, row in report["queries"].items():
        assert row["queries"] == 3 and 0 < row["p50_ms"] <= row["p99_ms"] <= row["max_ms"], kind
    assert report["insights"]["page"]["queries"] == 3
    assert report["met"]["filtered_datastore_search_p50_ms"] == (
        report["queries"]["datastore_search"]["p50_ms"]
        <= report["targets"]["filtered_datastore_search_p50_ms"]
    )
    assert {"database", "cpus", "python", "django", "load_average_before"} <= set(report)


def test_the_queries_differ_so_no_cache_answers_them(db):
    from civicloop.servicerequests.services import services_load
    from civicloop.topics.services import topics_ensure

    topics_ensure()
    services_load()
    urls = query_urls(20)
    for kind, kind_urls in urls.items():
        assert len(set(kind_urls)) == 20, kind


@pytest.mark.parametrize("option", ["--count", "--repeat"])
def test_the_command_refuses_counts_below_1(option):
    with pytest.raises(CommandError):
        call_command("bench", "opendata", option, "0")
