"""The demo city's directory: at least 60 real Chicago programs and the 12 journeys, in English and Spanish."""

import json
from datetime import date

import pytest
from django.db.models import Count

from civicloop.accounts.models import User
from civicloop.directory.models import DirectoryEntry, DirectoryEntryText, LifeEvent, StepTask
from civicloop.directory.services import DATA_FILE, directory_demo_load, directory_entries_for_311_sync
from civicloop.places.services import community_areas_load
from civicloop.servicerequests.services import services_load
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db

JOURNEYS = {
    "moving-to-chicago",
    "having-a-baby",
    "starting-a-business",
    "losing-a-job",
    "death-in-the-family",
    "getting-older",
    "new-arrivals",
    "after-a-flood-or-fire",
    "renting-or-buying-a-home",
    "starting-school",
    "extreme-weather",
    "getting-around-without-a-car",
}


@pytest.fixture
def demo_directory():  # type: ignore[no-untyped-def]
    topics_ensure()
    community_areas_load()
    services_load()
    directory_entries_for_311_sync()
    owner = User.objects.create_user(username="owner", password="x")
    return directory_demo_load(owner=owner, today=date(2026, 1, 15))


def test_the_demo_has_60_programs_and_the_12_journeys_of_3_to_7_steps_in_both_languages(demo_directory):
    programs = DirectoryEntry.objects.filter(kind="program")

    assert demo_directory.entries >= 60 and programs.count() == demo_directory.entries
    assert set(LifeEvent.objects.values_list("slug", flat=True)) == JOURNEYS
    assert DirectoryEntry.objects.filter(kind="service").count() == 191  # each 311 service, described once
    steps = LifeEvent.objects.annotate(step_count=Count("steps")).values_list("step_count", flat=True)
    assert all(3 <= count <= 7 for count in steps)
    languages = DirectoryEntryText.objects.values("entry").annotate(n=Count("language")).filter(n__lt=2)
    assert not languages.exists()
    assert (
        not programs.filter(owner__isnull=True).exists()
        and not programs.filter(review_by__isnull=True).exists()
    )
    assert programs.filter(
        review_by__lt=date(2026, 1, 15)
    ).exists()  # some overdue, for the staff list to flag
    assert all(entry.texts.get(language="es").summary for entry in programs[:5])


def test_every_task_names_an_entry_and_journeys_reach_311_forms(demo_directory):
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    named = [task for event in rows["life_events"] for step in event["steps"] for task in step["tasks"]]

    assert StepTask.objects.count() == len(named)
    assert StepTask.objects.filter(entry__kind="service").exists()
    assert all(
        step["title"].keys() == {"en", "es"} for event in rows["life_events"] for step in event["steps"]
    )


def test_loading_twice_changes_nothing(demo_directory):
    before = (DirectoryEntry.objects.count(), DirectoryEntryText.objects.count(), StepTask.objects.count())

    directory_demo_load()
    directory_entries_for_311_sync()

    assert (
        DirectoryEntry.objects.count(),
        DirectoryEntryText.objects.count(),
        StepTask.objects.count(),
    ) == before
    assert not DirectoryEntry.objects.filter(kind="program", owner__isnull=True).exists()


def test_a_journey_from_the_demo_reads_in_spanish(client, demo_directory):
    client.cookies["django_language"] = "es"

    html = client.get("/services/life-events/having-a-baby/").content.decode()

    assert "Tener un bebé" in html and "Visitas de enfermería a domicilio para bebés" in html
    assert "(opcional)" in html
