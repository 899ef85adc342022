from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Announcement, Status
from civicloop.announcements.tests.factories import make_announcement, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def comms(client):
    user = staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password="pw-long-enough-1",
        full_name="Carmen O",
    )
    client.force_login(user)
    return client


def form(**overrides):
    data = {
        "kind": "program",
        "topics": [make_topic().pk],
        "is_citywide": "on",
        "title_en": "Free tree planting",
        "summary_en": "Ask for a free tree.",
        "body_en": "Call 311 to ask for a **free** tree. It is easy.",
        "title_es": "Árboles gratis",
        "summary_es": "",
        "body_es": "Llame al 311 para pedir un árbol gratis.",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_preview_shows_rendered_text_and_a_readability_grade_per_language(comms):
    response = comms.post("/staff/announcements/new/", form(action="preview"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>free</strong>" in html
    assert html.count("Readability") == 2
    assert "Grade" in html
    assert any(label in html for label in ("Muy fácil", "Normal", "Algo difícil", "Difícil"))
    assert Announcement.objects.count() == 0


def test_save_creates_a_draft_by_its_author(comms):
    response = comms.post("/staff/announcements/new/", form())

    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert announcement.status == Status.DRAFT
    assert announcement.created_by is not None
    assert announcement.created_by.username == "carmen"
    assert set(announcement.translations.values_list("language", flat=True)) == {"en", "es"}


def test_publish_now_makes_it_public(comms, client):
    comms.post("/staff/announcements/new/", form(action="publish"))

    announcement = Announcement.objects.get()
    assert announcement.status == Status.PUBLISHED
    assert client.get(f"/announcements/{announcement.slug}/").status_code == 200


def test_schedule_sets_the_time(comms):
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    comms.post("/staff/announcements/new/", form(action="schedule", publish_at=when))

    announcement = Announcement.objects.get()
    assert announcement.status == Status.SCHEDULED
    assert announcement.publish_at is not None


def test_schedule_without_a_time_is_a_form_error(comms):
    response = comms.post("/staff/announcements/new/", form(action="schedule"))

    assert response.status_code == 400
    assert b"error-summary" in response.content
    assert Announcement.objects.count() == 0


def test_missing_english_title_gives_an_error_summary_and_stores_nothing(comms):
    response = comms.post("/staff/announcements/new/", form(title_en=""))

    assert response.status_code == 400
    assert b'href="#id_title_en"' in response.content
    assert Announcement.objects.count() == 0


def test_half_a_spanish_version_is_refused(comms):
    response = comms.post("/staff/announcements/new/", form(body_es=""))

    assert response.status_code == 400
    assert Announcement.objects.count() == 0


def test_an_event_without_a_start_is_refused(comms):
    response = comms.post("/staff/announcements/new/", form(kind="event"))

    assert response.status_code == 400
    assert b'href="#id_event_starts_at"' in response.content


def test_oversized_fields_are_refused(comms):
    response = comms.post("/staff/announcements/new/", form(title_en="x" * 500))

    assert response.status_code == 400
    assert Announcement.objects.count() == 0


def test_editing_a_published_announcement_marks_it_updated(comms):
    announcement = make_announcement(title="Free tree planting")

    comms.post(f"/staff/announcements/{announcement.pk}/", form(title_en="Free tree planting this spring"))

    announcement.refresh_from_db()
    assert announcement.was_updated
    assert announcement.revisions.filter(title="Free tree planting").exists()


def test_archive_from_the_console(comms):
    announcement = make_announcement()

    comms.post(f"/staff/announcements/{announcement.pk}/archive/")

    announcement.refresh_from_db()
    assert announcement.status == Status.ARCHIVED


def test_the_composer_needs_a_csrf_token(comms):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = comms.cookies

    assert strict.post("/staff/announcements/new/", form()).status_code == 403


def test_staff_list_queries_stay_constant(comms, django_assert_max_num_queries):
    for number in range(3):
        make_announcement(title=f"A{number}")
    with django_assert_max_num_queries(8) as few:
        comms.get("/staff/announcements/")
    for number in range(20):
        make_announcement(title=f"B{number}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        comms.get("/staff/announcements/")
