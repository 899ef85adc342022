from typing import Any

from civicloop.directory.models import (
    DirectoryEntry,
    DirectoryEntryText,
    LifeEvent,
    LifeEventStep,
    LifeEventText,
    ServiceLocation,
    StepTask,
)
from civicloop.directory.services import search_text_for


def make_entry(
    slug: str = "library-card",
    *,
    name: str = "Get a library card",
    summary: str = "Borrow books and laptops.",
    spanish: tuple[str, str] | None = ("Obtenga una tarjeta de la biblioteca", "Pida prestados libros."),
    kind: str = "program",
    department: str = "Chicago Public Library",
    **fields: Any,
) -> DirectoryEntry:
    entry = DirectoryEntry.objects.create(slug=slug, kind=kind, department=department, **fields)
    texts = [DirectoryEntryText(entry=entry, language="en", name=name, summary=summary, cost="Free")]
    if spanish:
        texts.append(
            DirectoryEntryText(entry=entry, language="es", name=spanish[0], summary=spanish[1], cost="Gratis")
        )
    for text in texts:
        text.search_text = search_text_for(text)
    DirectoryEntryText.objects.bulk_create(texts)
    return entry


def make_location(slug: str = "harold-washington", **fields: Any) -> ServiceLocation:
    values = {
        "name": "Harold Washington Library Center",
        "address": "400 S State St, Chicago, IL 60605",
        "hours": "Mon–Thu 9 a.m.–8 p.m.",
        "phone": "311",
        **fields,
    }
    return ServiceLocation.objects.create(slug=slug, **values)


def make_life_event(
    slug: str = "having-a-baby",
    *,
    title: str = "Having a baby",
    spanish: str | None = "Tener un bebé",
    steps: list[dict[str, Any]] | None = None,
    order: int = 0,
) -> LifeEvent:
    """steps: [{"title": {"en": ...}, "optional": bool, "relation": "and"|"or", "tasks": [entry, ...]}]"""
    life_event = LifeEvent.objects.create(slug=slug, order=order)
    LifeEventText.objects.create(life_event=life_event, language="en", title=title, summary="A journey.")
    if spanish:
        LifeEventText.objects.create(
            life_event=life_event, language="es", title=spanish, summary="Un camino."
        )
    for number, step in enumerate(steps or [], start=1):
        row = LifeEventStep.objects.create(
            life_event=life_event,
            number=number,
            title=step["title"],
            optional=step.get("optional", False),
            relation=step.get("relation", "and"),
        )
        for order_in_step, entry in enumerate(step.get("tasks", [])):
            StepTask.objects.create(step=row, entry=entry, order=order_in_step, show_cost=True)
    return life_event
