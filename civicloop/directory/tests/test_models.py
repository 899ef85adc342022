"""The directory's invariants are the database's: a bad row cannot be saved, whoever writes it."""

import pytest
from django.db import IntegrityError, transaction

from civicloop.directory.models import DirectoryEntry, DirectoryEntryText, LifeEventStep, StepTask
from civicloop.directory.tests.factories import make_entry, make_life_event
from civicloop.servicerequests.models import Service

pytestmark = pytest.mark.django_db


def refused(make) -> bool:  # type: ignore[no-untyped-def]
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_an_entry_cannot_take_the_journeys_path_or_an_empty_slug_or_department_or_an_unknown_kind():
    assert refused(lambda: DirectoryEntry.objects.create(slug="life-events", kind="program", department="X"))
    assert refused(lambda: DirectoryEntry.objects.create(slug="", kind="program", department="X"))
    assert refused(lambda: DirectoryEntry.objects.create(slug="a", kind="program", department=""))
    assert refused(lambda: DirectoryEntry.objects.create(slug="b", kind="rumour", department="X"))
    assert not refused(lambda: DirectoryEntry.objects.create(slug="c", kind="service", department="X"))


def test_a_311_service_is_described_by_one_entry_at_most_while_programs_need_none():
    service = Service.objects.create(code="svc-1", name="Pothole", department="Transportation")
    make_entry("pothole", service=service)

    assert refused(lambda: make_entry("pothole-again", service=service))
    assert not refused(lambda: make_entry("no-service-1"))
    assert not refused(lambda: make_entry("no-service-2"))


def test_one_text_per_language_with_a_name_and_a_known_status():
    entry = make_entry("card", spanish=None)

    assert refused(
        lambda: DirectoryEntryText.objects.create(entry=entry, language="en", name="Again", summary="")
    )
    assert refused(lambda: DirectoryEntryText.objects.create(entry=entry, language="es", name="", summary=""))
    assert refused(
        lambda: DirectoryEntryText.objects.create(
            entry=entry, language="es", name="Tarjeta", status="guessed"
        )
    )
    assert not refused(
        lambda: DirectoryEntryText.objects.create(
            entry=entry, language="es", name="Tarjeta", status="machine_translated"
        )
    )


def test_a_step_is_numbered_from_one_once_per_journey_titled_in_english_and_joined_by_and_or_or():
    journey = make_life_event(steps=[{"title": {"en": "First"}}])

    def step(**fields):  # type: ignore[no-untyped-def]
        values = {"life_event": journey, "number": 2, "title": {"en": "Second"}, **fields}
        return lambda: LifeEventStep.objects.create(**values)

    assert refused(step(number=1))
    assert refused(step(number=0))
    assert refused(step(title={"es": "Segundo"}))
    assert refused(step(relation="xor"))
    assert not refused(step(relation="or"))


def test_a_task_names_an_entry_once_per_step_and_an_entry_in_a_journey_cannot_be_deleted():
    entry = make_entry()
    journey = make_life_event(steps=[{"title": {"en": "First"}, "tasks": [entry]}])
    step = journey.steps.get()

    assert refused(lambda: StepTask.objects.create(step=step, entry=entry))
    with pytest.raises(Exception, match="protected"):
        entry.delete()
