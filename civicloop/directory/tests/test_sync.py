"""The 311 services belong to the directory: one entry each, in every language, with a constant number of queries."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicloop.directory.models import DirectoryEntry, DirectoryEntryText
from civicloop.directory.services import directory_entries_for_311_sync
from civicloop.directory.tests.factories import make_entry
from civicloop.servicerequests.models import Service
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db


def services(count: int, start: int = 0) -> list[Service]:
    return Service.objects.bulk_create(
        Service(
            code=f"code-{number}",
            name=f"Rodent baiting {number}",
            name_es=f"Control de ratas {number}",
            department="Streets and Sanitation",
            sla_hours=7 * 24,
        )
        for number in range(start, start + count)
    )


def test_each_active_311_service_gets_one_entry_in_english_and_spanish_that_leads_to_its_form():
    topics_ensure()
    [described, fresh] = services(2)
    Service.objects.create(code="gone", name="Retired service", department="X", active=False)
    make_entry("rats-program", service=described)

    assert directory_entries_for_311_sync() == 1

    entry = DirectoryEntry.objects.get(service=fresh)
    texts = {text.language: text for text in entry.texts.all()}
    assert entry.kind == "service" and entry.department == "Streets and Sanitation" and entry.phone == "311"
    assert entry.slug == "rodent-baiting-1"
    assert texts["en"].name == "Rodent baiting 1" and texts["es"].name == "Control de ratas 1"
    assert "311" in texts["es"].summary and texts["es"].cost == "Gratis"
    assert texts["en"].time_taken == "The city aims to finish it within 7 days."
    assert "control de ratas" in texts["es"].search_text
    assert not DirectoryEntry.objects.filter(service__code="gone").exists()
    assert DirectoryEntry.objects.filter(service=described).count() == 1


def test_the_sync_is_idempotent_and_its_queries_do_not_grow_with_the_number_of_services():
    services(3)
    with CaptureQueriesContext(connection) as few:
        directory_entries_for_311_sync()
    services(40, start=3)
    with CaptureQueriesContext(connection) as many:
        added = directory_entries_for_311_sync()

    assert added == 40
    assert len(_not_inserts(many)) == len(_not_inserts(few))
    # Rows go in batches (the database's limit on parameters): a handful of INSERTs, never one a row.
    assert len(many) - len(_not_inserts(many)) <= 6
    assert directory_entries_for_311_sync() == 0
    assert DirectoryEntry.objects.count() == 43
    assert DirectoryEntryText.objects.count() == 43 * len(settings.LANGUAGES)  # one text per city language


def _not_inserts(queries: CaptureQueriesContext) -> list[dict]:
    return [query for query in queries if not query["sql"].lstrip().upper().startswith("INSERT")]


def test_two_services_with_one_name_get_two_slugs():
    Service.objects.create(code="abc12345", name="Graffiti Removal", department="Streets and Sanitation")
    Service.objects.create(code="xyz98765", name="Graffiti Removal", department="Streets and Sanitation")
    make_entry("life-events-help")

    directory_entries_for_311_sync()

    assert sorted(DirectoryEntry.objects.filter(kind="service").values_list("slug", flat=True)) == [
        "graffiti-removal",
        "graffiti-removal-xyz98765",
    ]
