"""`civicloop bench forums` on a small city: the rows it loads, the pages it times, its one JSON line."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from civicloop.core.bench import BenchResponseError
from civicloop.engage import bench
from civicloop.engage.models import (
    Comment,
    Idea,
    IdeaStatusChange,
    ModerationState,
    Participant,
    Question,
    Space,
    Support,
)

PAGES = {"question", "question_newest", "question_discussed", "idea_most_comments", "idea_random"}


def test_the_command_loads_a_small_city_and_prints_one_json_line(capsys, transactional_db):
    # Given a small city: 300 ideas, 2,000 comments, 2 timed requests per page
    call_command("bench", "forums", "--ideas", "300", "--comments", "2000", "--repeat", "2")

    # Then it prints one JSON line with the counts, every page timed, and the civility check's speed
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["suite"] == "forums" and report["repeat"] == 2
    assert (report["ideas"], report["comments"], report["questions"]) == (300, 2000, bench.QUESTIONS)
    assert report["big_question_ideas"] == 120  # 2 ideas in 5
    assert report["participants"] == 100 and 0 < report["replies"] < report["comments"]
    assert report["supports"] > 0 and report["status_changes"] > 0 and report["load_seconds"] >= 0
    assert {"database", "cpus", "python", "django", "load_average_before"} <= set(report)
    assert report["target_ms"] == 50.0
    assert set(report["pages"]) == PAGES
    for name, row in report["pages"].items():
        assert 0 < row["p50_ms"] <= row["p99_ms"] <= row["max_ms"], name
        assert row["queries"] > 0 and row["kib"] > 0, name
        assert row["met"] == (row["p50_ms"] <= 50.0), name
    assert report["met"] == all(row["met"] for row in report["pages"].values())
    busiest = report["pages"]["idea_most_comments"]
    assert (
        busiest["comments"]
        == report["most_comments_on_an_idea"]
        >= report["pages"]["idea_random"]["comments"]
    )
    assert report["pages"]["question_newest"]["url"].endswith("?sort=newest")
    civility = report["civility"]
    assert civility["check"] == "civicloop.engage.tests.conftest.WordCivilityCheck"  # no model to load
    assert civility["posts"] == 140 and civility["batch_size"] == 32
    assert civility["posts_per_second"] > 0 and 0 <= civility["p50_ms"] <= civility["p99_ms"]


def test_the_loaded_forums_hold_what_the_report_counts(transactional_db):
    # Given a small city loaded in the test database (committed, so the foreign keys are checked)
    loaded = bench.forums_generate(ideas=300, comments=2000)

    # Then one public space holds the questions, the big one 2 ideas in 5, all open
    space = Space.objects.get(slug=loaded.space_slug)
    assert space.visibility == Space.Visibility.PUBLIC
    questions = Question.objects.filter(space=space)
    assert questions.count() == loaded.questions == bench.QUESTIONS
    ideas = Idea.objects.filter(question__space=space)
    assert ideas.count() == loaded.ideas == 300
    assert ideas.filter(question__slug=loaded.big_question_slug).count() == loaded.big_question_ideas == 120
    # every idea and comment is published, so the public pages show them all
    assert not ideas.exclude(moderation_state=ModerationState.PUBLISHED).exists()
    comments = Comment.objects.filter(idea__question__space=space)
    assert comments.count() == loaded.comments == 2000
    assert not comments.exclude(moderation_state=ModerationState.PUBLISHED).exists()
    # the counters the pages show match the rows
    assert not ideas.annotate(n=Count("comments")).exclude(n=F("comments_count")).exists()
    assert not ideas.annotate(n=Count("supports")).exclude(n=F("supports_count")).exists()
    assert Support.objects.count() == loaded.supports == ideas.aggregate(n=Sum("supports_count"))["n"]
    assert (
        IdeaStatusChange.objects.count()
        == loaded.status_changes
        == ideas.exclude(status="under_consideration").count()
    )
    # two levels: a reply answers a top-level comment on the same idea, posted before it
    replies = comments.filter(parent__isnull=False)
    assert replies.count() == loaded.replies
    assert 0.25 * loaded.comments < loaded.replies < 0.4 * loaded.comments
    assert not replies.filter(Q(parent__parent__isnull=False) | ~Q(parent__idea=F("idea"))).exists()
    assert not replies.filter(parent__created_at__gt=F("created_at")).exists()
    # a realistic spread: most ideas with a few comments, the hot ones with far more
    counts = sorted(ideas.values_list("comments_count", flat=True))
    assert counts[len(counts) // 2] <= 10 and counts[-1] == loaded.most_comments >= 100
    assert Participant.objects.filter(confirmed_at__isnull=False).count() == loaded.participants == 100


def test_every_page_answers_200_and_is_timed(db):
    # Given a small city
    loaded = bench.forums_generate(ideas=100, comments=500)
    urls = bench.forums_urls(loaded)

    # When each page is timed twice
    timings = bench.pages_measure({label: url for label, (url, _) in urls.items()}, repeat=2)

    # Then every page was measured, with its queries counted
    assert [timing.label for timing in timings] == list(urls) and set(urls) == PAGES
    assert all(timing.queries > 0 and timing.size_bytes > 0 for timing in timings)
    assert urls["idea_most_comments"][1] == loaded.most_comments


def test_the_bench_refuses_a_page_that_does_not_answer_200(db):
    # Given an idea that does not exist / When it is timed / Then the bench stops
    with pytest.raises(BenchResponseError, match="404"):
        bench.pages_measure({"missing": "/ideas/999999999/"}, repeat=1)


@pytest.mark.parametrize("option", ["--ideas", "--comments", "--repeat"])
def test_the_command_refuses_a_count_below_1(option):
    with pytest.raises(CommandError, match=f"{option} must be at least 1"):
        call_command("bench", "forums", option, "0")


def test_the_pages_name_authors_and_areas_without_reading_area_outlines(db):
    # Given a small city and the newest idea on the big question, which has an area
    loaded = bench.forums_generate(ideas=100, comments=500)
    newest = (
        Idea.objects.filter(question__slug=loaded.big_question_slug, community_area__isnull=False)
        .select_related("author", "community_area")
        .order_by("-created_at", "-id")
        .first()
    )
    assert newest is not None and newest.community_area is not None
    area = newest.community_area.name
    question_url = f"/ideas/{loaded.space_slug}/{loaded.big_question_slug}/?sort=newest"

    # When the question page and the idea's page are read
    with CaptureQueriesContext(connection) as captured:
        pages = [Client().get(url) for url in (question_url, newest.get_absolute_url())]

    # Then both name the author and the area, and no query read the areas' GeoJSON outlines
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert escape(newest.author.display_name) in html and escape(area) in html
    assert not [query["sql"] for query in captured.captured_queries if "boundary" in query["sql"]]
