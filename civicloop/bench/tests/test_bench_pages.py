"""The `bench pages` code path, on a tiny data set inside the test database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.announcements import bench as pages
from civicloop.announcements.models import Announcement, AnnouncementTranslation, Status
from civicloop.core import bench

pytestmark = pytest.mark.django_db


def test_loader_adds_published_announcements_with_texts_topics_and_areas():
    # Given an empty database
    # When the loader adds 50 announcements
    loaded = pages.load_announcements(count=50)

    # Then each is published with an English text and 1-2 topics, and the links it reports exist
    assert loaded.count == 50
    assert Announcement.objects.filter(status=Status.PUBLISHED, published_at__isnull=False).count() == 50
    assert AnnouncementTranslation.objects.filter(language="en").count() == 50
    assert AnnouncementTranslation.objects.count() == loaded.translations
    assert 50 <= Announcement.topics.through.objects.count() == loaded.topic_links <= 100
    assert Announcement.areas.through.objects.count() == loaded.area_links
    assert Announcement.objects.filter(is_citywide=False).count() == loaded.area_links
    assert loaded.area_slug == pages.PREFERRED_AREA


def test_pages_suite_reports_a_row_per_url_with_numeric_timings():
    # Given a small loaded data set
    loaded = pages.load_announcements(count=50)
    urls = pages.pages_urls(loaded.area_slug)

    # When the pages are measured twice each
    timings = bench.measure(urls, repeat=2)

    # Then there is one row per URL, with positive medians, queries counted, and a table listing them
    assert [t.url for t in timings] == [url for _, url, _ in urls]
    for timing in timings:
        assert isinstance(timing.median_ms, float)
        assert 0 < timing.median_ms <= timing.p90_ms <= timing.max_ms
        assert timing.queries > 0 and timing.size_bytes > 0
    table = bench.format_table(timings)
    assert len(table.splitlines()) == 2 + len(urls)
    assert all(url in table for _, url, _ in urls)


def test_measure_refuses_a_page_that_does_not_answer_200():
    # Given a URL that does not exist
    # When it is measured
    # Then the benchmark stops rather than timing an error page
    with pytest.raises(bench.BenchResponseError, match="404"):
        bench.measure([("missing", "/no-such-page/", None)], repeat=1)


@pytest.mark.parametrize(("median", "verdict"), [(50.0, "PASS"), (50.1, "FAIL")])
def test_verdict_compares_the_median_with_the_target(median, verdict):
    # Given a timing against the 50 ms target
    timing = bench.Timing("list", "/announcements/", median, median, median, 7, 1, pages.TARGET_MS)

    # When it is judged / Then the median decides
    assert timing.verdict == verdict


def test_bench_command_needs_a_suite():
    # Given no suite name / When the command runs / Then it is refused
    with pytest.raises(CommandError, match="suite"):
        call_command("bench")
