"""Writes for the directory: describe the 311 services, load the programs and journeys, keep search text."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from civicloop.directory.models import (
    RESERVED_SLUGS,
    DirectoryEntry,
    DirectoryEntryText,
    Kind,
    LifeEvent,
    LifeEventStep,
    LifeEventText,
    ServiceLocation,
    StepTask,
)
from civicloop.directory.search import search_document
from civicloop.places.models import CommunityArea
from civicloop.servicerequests.selectors import service_list
from civicloop.topics.models import Topic

DATA_FILE = Path(__file__).resolve().parent / "data" / "chicago_programs.json"
LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]
REVIEW_EVERY = timedelta(days=365)


def search_text_for(text: DirectoryEntryText) -> str:
    return search_document(" ".join((text.name, text.summary, text.who_for)))


def entry_texts_search_refresh(*, entry_ids: Iterable[int]) -> int:
    """Recompute the search text of these entries' texts (after an edit in the admin)."""
    texts = list(DirectoryEntryText.objects.filter(entry_id__in=list(entry_ids)))
    for text in texts:
        text.search_text = search_text_for(text)
    DirectoryEntryText.objects.bulk_update(texts, ["search_text"])
    return len(texts)


def _311_text(service: Any, language: str) -> DirectoryEntryText:
    # Written in each city language from the interface's own translations, so no version is missing.
    with translation.override(language):
        days = max(1, round(service.sla_hours / 24))
        name = service.name_es if language == "es" and service.name_es else service.name
        text = DirectoryEntryText(
            language=language,
            name=name,
            summary=gettext("Ask the city to deal with it through 311: online, by phone or by text."),
            who_for=gettext("Anyone who lives in, works in or visits Chicago."),
            how_to_get=gettext(
                "Fill in the online form, call 311 (312-744-5000 from outside Chicago) or text the city's "
                "number. You get a request number to follow it to done."
            ),
            cost=gettext("Free"),
            time_taken=ngettext(
                "The city aims to finish it within %(days)d day.",
                "The city aims to finish it within %(days)d days.",
                days,
            )
            % {"days": days},
            documents_needed=gettext("None. Have the address or nearest cross streets ready."),
        )
    text.search_text = search_text_for(text)
    return text


def _unique_slug(base: str, taken: set[str], fallback: str) -> str:
    slug = (slugify(base)[:70] or fallback).strip("-")
    if slug in taken or slug in RESERVED_SLUGS:
        slug = f"{slug[:60]}-{fallback[-8:]}".lower()
    taken.add(slug)
    return slug


@transaction.atomic
def directory_entries_for_311_sync() -> int:
    """One entry for each active 311 service not yet described, in every city language (set-based:
    the same few queries however many services there are). Returns how many were added."""
    described = DirectoryEntry.objects.filter(service__isnull=False).values("service_id")
    services = list(
        service_list()
        .exclude(pk__in=described)
        .select_related("topic")
        .order_by("department", "name", "code")
    )
    if not services:
        return 0
    taken = set(DirectoryEntry.objects.values_list("slug", flat=True))
    entries = DirectoryEntry.objects.bulk_create(
        [
            DirectoryEntry(
                slug=_unique_slug(service.name, taken, service.code),
                kind=Kind.SERVICE,
                department=service.department,
                topic=service.topic,
                service=service,
                phone="311",
                languages_offered=list(LANGUAGE_CODES),
            )
            for service in services
        ]
    )
    texts = []
    for entry, service in zip(entries, services, strict=True):
        for language in LANGUAGE_CODES:
            text = _311_text(service, language)
            text.entry = entry
            texts.append(text)
    DirectoryEntryText.objects.bulk_create(texts)
    return len(entries)


@dataclass(frozen=True)
class DirectoryLoad:
    entries: int
    life_events: int
    locations: int


def _texts_in_english_first(texts: dict[str, dict[str, str]], where: str) -> dict[str, dict[str, str]]:
    if "en" not in texts:
        raise ValueError(f"{where}: the English text is missing")
    return {language: texts[language] for language in LANGUAGE_CODES if language in texts}


def _locations_load(rows: list[dict[str, Any]]) -> dict[str, ServiceLocation]:
    areas = {area.slug: area for area in CommunityArea.objects.only("id", "slug")}
    locations = {}
    for row in rows:
        location, _ = ServiceLocation.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "address": row["address"],
                "community_area": areas.get(row.get("community_area") or ""),
                "hours": row.get("hours", ""),
                "phone": row.get("phone", ""),
            },
        )
        locations[location.slug] = location
    return locations


def _entries_load(
    rows: list[dict[str, Any]], locations: dict[str, ServiceLocation], owner: Any, today: date
) -> None:
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    for number, row in enumerate(rows):
        texts = _texts_in_english_first(row["text"], row["slug"])
        # The demo's owners are due to review one entry in ten already: the staff list flags them.
        review_by = today - timedelta(days=3) if number % 10 == 9 else today + REVIEW_EVERY
        fields = {
            "kind": row.get("kind", Kind.PROGRAM),
            "department": row["department"],
            "topic": topics.get(row.get("topic", "")),
            "online_url": row.get("online_url", ""),
            "phone": row.get("phone", ""),
            "text_keyword": row.get("text_keyword", ""),
            "in_person": bool(row.get("locations")),
            "languages_offered": row.get("languages_offered", ["en", "es"]),
        }
        # Owner and review date are set once: a reload keeps what staff changed since.
        entry, _ = DirectoryEntry.objects.update_or_create(
            slug=row["slug"],
            defaults=fields,
            create_defaults={**fields, "owner": owner, "review_by": review_by},
        )
        entry.locations.set([locations[slug] for slug in row.get("locations", [])])
        for language, fields in texts.items():
            text = DirectoryEntryText(entry=entry, language=language, **fields)
            text.search_text = search_text_for(text)
            DirectoryEntryText.objects.update_or_create(
                entry=entry,
                language=language,
                defaults={field: getattr(text, field) for field in (*fields, "search_text")},
            )


def _life_events_load(rows: list[dict[str, Any]]) -> None:
    entries = dict(DirectoryEntry.objects.values_list("slug", "pk"))
    by_service = dict(DirectoryEntry.objects.filter(service__isnull=False).values_list("service__code", "pk"))
    for order, row in enumerate(rows):
        life_event, _ = LifeEvent.objects.update_or_create(slug=row["slug"], defaults={"order": order})
        titles = _texts_in_english_first(row["title"], row["slug"])  # type: ignore[arg-type]
        for language, title in titles.items():
            LifeEventText.objects.update_or_create(
                life_event=life_event,
                language=language,
                defaults={"title": title, "summary": row.get("summary", {}).get(language, "")},
            )
        # A journey is replaced whole: its steps as the data file has them now.
        life_event.steps.all().delete()
        for number, step_row in enumerate(row["steps"], start=1):
            if "en" not in step_row["title"]:
                raise ValueError(f"{row['slug']} step {number}: the English title is missing")
            step = LifeEventStep.objects.create(
                life_event=life_event,
                number=number,
                title=step_row["title"],
                optional=step_row.get("optional", False),
                relation=step_row.get("relation", "and"),
            )
            tasks = []
            for task_order, task in enumerate(step_row["tasks"]):
                entry_id = entries.get(task.get("entry", "")) or by_service.get(task.get("service_code", ""))
                if entry_id is None:
                    raise ValueError(f"{row['slug']} step {number}: no entry {task}")
                tasks.append(
                    StepTask(
                        step=step,
                        entry_id=entry_id,
                        order=task_order,
                        note=task.get("note", {}),
                        show_cost=task.get("show_cost", False),
                    )
                )
            StepTask.objects.bulk_create(tasks)


@transaction.atomic
def directory_demo_load(
    *, data_file: Path = DATA_FILE, owner: Any = None, today: date | None = None
) -> DirectoryLoad:
    """Load or refresh the city's programs, their locations and the life-event journeys (idempotent).

    Run after the 311 catalogue and directory_entries_for_311_sync, so journeys can name 311 services."""
    data = json.loads(data_file.read_text(encoding="utf-8"))
    locations = _locations_load(data["locations"])
    _entries_load(data["entries"], locations, owner, today or date.today())
    _life_events_load(data["life_events"])
    return DirectoryLoad(
        entries=len(data["entries"]), life_events=len(data["life_events"]), locations=len(locations)
    )
