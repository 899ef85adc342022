"""The pages: the dashboard from one stored snapshot, CSV files, area pages, the staff dashboard."""

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from civicloop.accounts.models import Role, User
from civicloop.insights.models import InsightsSnapshot
from civicloop.insights.services import insights_refresh
from civicloop.insights.tasks import insights_schedule, refresh_insights
from civicloop.insights.tests.conftest import City


def test_first_view_computes_the_figures_then_pages_only_read_them(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    assert not InsightsSnapshot.objects.exists()
    client.get("/insights/")
    assert InsightsSnapshot.objects.count() == 1

    with django_assert_max_num_queries(3):
        page = client.get("/insights/")

    assert page.status_code == 200


def test_dashboard_shows_the_map_its_legend_and_tables(city: City, client: Client) -> None:
    insights_refresh()

    html = client.get("/insights/").content.decode()

    assert 'role="img" aria-labelledby="map-title map-desc"' in html
    assert html.count("<path ") == 2  # one shape per community area
    assert "North Side: 9.00 participants per 1,000 residents" in html
    assert "South Side: fewer than 3 participants" in html
    assert "Fewer than 3 participants: not shown" in html  # the legend says what grey means
    assert '<a href="/areas/north-side/">North Side</a>' in html
    assert "/insights/participation-by-area.csv" in html
    assert "CDOT" in html


def test_csv_has_the_table_with_suppressed_counts_empty(city: City, client: Client) -> None:
    insights_refresh()

    response = client.get("/insights/participation-by-area.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["community_area_name"], row["participants"]) for row in rows] == [
        ("North Side", "9"),
        ("South Side", ""),
    ]
    assert "@example.org" not in response.content.decode()


@pytest.mark.django_db
def test_unknown_chart_is_not_found(client: Client) -> None:
    assert client.get("/insights/no-such-chart.csv").status_code == 404


def test_area_page_has_its_figures_lists_feed_and_subscribe_link(city: City, client: Client) -> None:
    html = client.get("/areas/north-side/").content.decode()

    assert "<h1>North Side</h1>" in html
    assert "9 residents of this area took part" in html
    assert "How should we improve our parks?" in html  # the open question asked about the area
    assert "Idea 0" in html
    assert "Pothole in Street" in html
    assert 'href="/feeds/announcements.atom?area=north-side"' in html
    assert 'href="/subscribe/"' in html


def test_area_page_under_k_says_so(city: City, client: Client) -> None:
    html = client.get("/areas/south-side/").content.decode()

    assert "fewer than 3 residents of this area took part" in html


@pytest.mark.django_db
def test_area_list_and_unknown_area(client: Client, city: City) -> None:
    assert 'href="/areas/south-side/"' in client.get("/areas/").content.decode()
    assert client.get("/areas/atlantis/").status_code == 404


def test_staff_dashboard_is_for_staff_only(city: City, client: Client) -> None:
    resident = User.objects.create_user(username="resident", password="x", role=Role.RESIDENT)
    assert client.get("/staff/insights/").status_code == 302  # to the sign-in page
    client.force_login(resident)
    assert client.get("/staff/insights/").status_code == 403
    assert client.post("/staff/insights/refresh/").status_code == 403


def test_staff_refresh_button_queues_the_task_which_recomputes(
    city: City, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    staff = User.objects.create_user(username="analyst", password="x", role=Role.COMMUNICATIONS)
    client.force_login(staff)
    page = client.get("/staff/insights/")
    assert "Recompute the figures now" in page.content.decode()
    assert "311 response times by service" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/insights/refresh/")

    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path=refresh_insights.module_path).count() == 1
    InsightsSnapshot.objects.all().delete()
    refresh_insights.call()
    assert InsightsSnapshot.objects.get().data["participation"]["city"]["participants"] == 11


@pytest.mark.django_db
def test_hourly_refresh_is_queued_once() -> None:
    assert insights_schedule() is True
    assert insights_schedule() is False


def test_dashboard_shows_how_fast_staff_answer_residents_messages_by_channel_and_language(
    city: City, client: Client
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.assistant.models import AssistantMessage, Conversation

    staff = User.objects.create_user(username="answering", password="x" * 20, role=Role.COMMUNICATIONS)
    start = timezone.now() - timedelta(days=3)
    for n in range(4):  # k = 3: four Spanish WhatsApp conversations are shown, two Facebook ones are not
        made = Conversation.objects.create(
            channel="whatsapp",
            phone=f"+1312555{n:04d}",
            language="es",
            created_at=start,
            last_message_at=start,
        )
        AssistantMessage.objects.create(conversation=made, direction="in", body="hola", created_at=start)
        AssistantMessage.objects.create(
            conversation=made,
            direction="out",
            body="ok",
            sent_by=staff,
            created_at=start + timedelta(hours=2),
        )
    for n in range(2):
        made = Conversation.objects.create(
            channel="facebook",
            remote_account_id=str(n),
            remote_thread_id=f"dm:{n}",
            language="en",
            created_at=start,
            last_message_at=start,
        )
        AssistantMessage.objects.create(conversation=made, direction="in", body="hi", created_at=start)
    insights_refresh()

    html = client.get("/insights/").content.decode()

    assert (
        "Residents&#x27; messages answered by staff" in html
        or "Residents' messages answered by staff" in html
    )
    assert "WhatsApp · Spanish" in html and "2.0 hours" in html
    assert "Facebook" not in html.split("messages-answered", 1)[1]  # under k: no row
