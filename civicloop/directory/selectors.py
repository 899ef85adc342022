"""Reads for the directory: what residents browse and search, the journeys, and the HSDS export."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import get_language_info

from civicloop.core.errors import NotFound
from civicloop.directory.models import (
    DirectoryEntry,
    DirectoryEntryText,
    LifeEvent,
    LifeEventStep,
    LifeEventText,
    ServiceLocation,
    StepTask,
)
from civicloop.directory.search import search_words

DEFAULT_LANGUAGE = "en"
_LIST_TEXT_FIELDS = ("id", "entry_id", "language", "status", "name", "summary")


@dataclass(frozen=True)
class EntryText:
    """An entry's words in the reader's language, or in English with is_fallback set."""

    language: str
    status: str
    name: str
    summary: str
    who_for: str
    how_to_get: str
    cost: str
    time_taken: str
    documents_needed: str
    is_fallback: bool


def _chosen(texts: Iterable[Any], language: str) -> Any:
    by_language = {text.language: text for text in texts}
    return (
        by_language.get(language)
        or by_language.get(DEFAULT_LANGUAGE)
        or next(iter(by_language.values()), None)
    )


def entry_text(entry: DirectoryEntry, language: str) -> EntryText:
    """Uses the entry's prefetched texts (no query)."""
    chosen = _chosen(entry.texts.all(), language)
    if chosen is None:
        return EntryText(
            DEFAULT_LANGUAGE, "", entry.slug, "", "", "", "", "", "", language != DEFAULT_LANGUAGE
        )
    # Lists read only some fields: a field they left out reads as empty, never as a query per row.
    deferred = chosen.get_deferred_fields()

    def loaded(field: str) -> str:
        return "" if field in deferred else str(getattr(chosen, field))

    return EntryText(
        language=chosen.language,
        status=chosen.status,
        name=chosen.name,
        summary=chosen.summary,
        who_for=loaded("who_for"),
        how_to_get=loaded("how_to_get"),
        cost=loaded("cost"),
        time_taken=loaded("time_taken"),
        documents_needed=loaded("documents_needed"),
        is_fallback=chosen.language != language,
    )


def entries_localize(entries: Iterable[DirectoryEntry], language: str) -> list[DirectoryEntry]:
    """Attach `.text` (EntryText) to each entry for templates."""
    localized = list(entries)
    for entry in localized:
        entry.text = entry_text(entry, language)  # type: ignore[attr-defined]
    return localized


def json_text(values: dict[str, str], language: str) -> str:
    """A per-language JSON field's words in the reader's language, else English."""
    return values.get(language) or values.get(DEFAULT_LANGUAGE) or ""


def life_event_text(life_event: LifeEvent, language: str) -> LifeEventText | None:
    return _chosen(life_event.texts.all(), language)  # type: ignore[no-any-return]


def life_events_localize(life_events: Iterable[LifeEvent], language: str) -> list[LifeEvent]:
    localized = list(life_events)
    for life_event in localized:
        life_event.text = life_event_text(life_event, language)  # type: ignore[attr-defined]
    return localized


def life_event_list() -> QuerySet[LifeEvent]:
    """Every journey with its texts (two queries)."""
    return LifeEvent.objects.order_by("order", "slug").prefetch_related("texts")


def entry_search(query: str) -> QuerySet[DirectoryEntry]:
    """Entries whose name, summary or who-it-is-for, in any one city language, hold a word starting with
    each word of the query (case and accents aside); no words, no entries. A resident may type Spanish
    in an English page: the entry is shown in the page's language."""
    words = search_words(query)
    if not words:
        return DirectoryEntry.objects.none()
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=f" {word}")
    matching = DirectoryEntryText.objects.filter(condition, entry_id=OuterRef("pk"))
    return (
        DirectoryEntry.objects.filter(Exists(matching))
        .order_by("kind", "slug")
        .prefetch_related(Prefetch("texts", queryset=DirectoryEntryText.objects.only(*_LIST_TEXT_FIELDS)))
    )


def _journeys_prefetch() -> Prefetch[Any]:
    tasks = StepTask.objects.select_related("step__life_event").prefetch_related("step__life_event__texts")
    return Prefetch("tasks", queryset=tasks, to_attr="journey_tasks")


def entry_public_detail(*, slug: str) -> DirectoryEntry:
    """An entry with its texts, topic, 311 service, locations (with areas) and the journeys it is part of."""
    entry = (
        DirectoryEntry.objects.filter(slug=slug)
        .select_related("topic", "service")
        .prefetch_related(
            "texts",
            Prefetch("locations", queryset=ServiceLocation.objects.select_related("community_area")),
            _journeys_prefetch(),
        )
        .first()
    )
    if entry is None:
        raise NotFound("No such service or program.")
    return entry


def entry_journeys(entry: DirectoryEntry, language: str) -> list[LifeEvent]:
    """The journeys an entry is part of, once each, in the journeys' order (from the prefetch)."""
    seen: dict[int, LifeEvent] = {}
    for task in getattr(entry, "journey_tasks", []):
        life_event = task.step.life_event
        seen.setdefault(life_event.pk, life_event)
    return life_events_localize(sorted(seen.values(), key=lambda event: (event.order, event.slug)), language)


def life_event_public_detail(*, slug: str) -> LifeEvent:
    """A journey with its steps, their tasks and each task's entry texts: a constant number of queries."""
    tasks = StepTask.objects.select_related("entry").prefetch_related(
        Prefetch("entry__texts", queryset=DirectoryEntryText.objects.only(*_LIST_TEXT_FIELDS, "cost"))
    )
    life_event = (
        LifeEvent.objects.filter(slug=slug)
        .prefetch_related(
            "texts",
            Prefetch(
                "steps",
                queryset=LifeEventStep.objects.order_by("number").prefetch_related(
                    Prefetch("tasks", queryset=tasks.order_by("order", "id"))
                ),
            ),
        )
        .first()
    )
    if life_event is None:
        raise NotFound("No such life event.")
    return life_event


def journey_localize(life_event: LifeEvent, language: str) -> list[dict[str, Any]]:
    """The journey's steps as the template shows them, in the reader's language (no query)."""
    steps = []
    for step in life_event.steps.all():
        tasks = [
            {
                "entry": task.entry,
                "text": entry_text(task.entry, language),
                "note": json_text(task.note, language),
                "show_cost": task.show_cost,
            }
            for task in step.tasks.all()
        ]
        steps.append(
            {
                "number": step.number,
                "title": json_text(step.title, language),
                "title_is_fallback": language not in step.title,
                "optional": step.optional,
                "relation": step.relation,
                "tasks": tasks,
            }
        )
    return steps


def entry_topic_list(*, topic_slug: str) -> QuerySet[DirectoryEntry]:
    """Entries of one topic; an unknown topic lists none."""
    return (
        DirectoryEntry.objects.filter(topic__slug=topic_slug)
        .order_by("kind", "slug")
        .prefetch_related(Prefetch("texts", queryset=DirectoryEntryText.objects.only(*_LIST_TEXT_FIELDS)))
    )


@dataclass(frozen=True)
class LanguageName:
    code: str
    name: str  # in the language itself, as a speaker looks for it


def language_names(codes: Iterable[str]) -> list[LanguageName]:
    """Each offered language named in itself; an unknown code is shown as it is."""
    names = []
    for code in codes:
        try:
            names.append(LanguageName(code, get_language_info(code)["name_local"]))
        except KeyError:
            names.append(LanguageName(code, code))
    return names


def journey_structured_data(
    life_event: LifeEvent, steps: list[dict[str, Any]], language: str, site_url: str
) -> dict[str, Any]:
    """A journey as schema.org HowTo (JSON-LD), for search engines and anyone reusing the city's guides."""
    text = life_event_text(life_event, language)
    return {
        "@context": "https://schema.org",
        "@type": "HowTo",
        "name": text.title if text else life_event.slug,
        "description": text.summary if text else "",
        "inLanguage": text.language if text else DEFAULT_LANGUAGE,
        "url": f"{site_url}{life_event.get_absolute_url()}",
        "step": [
            {
                "@type": "HowToStep",
                "position": step["number"],
                "name": step["title"],
                "itemListElement": [
                    {
                        "@type": "HowToDirection",
                        "text": task["text"].name,
                        "url": f"{site_url}{task['entry'].get_absolute_url()}",
                    }
                    for task in step["tasks"]
                ],
            }
            for step in steps
        ],
    }


# ---- Open Referral HSDS 3.0 -------------------------------------------------------------------------------


def hsds_entry_list() -> QuerySet[DirectoryEntry]:
    """Entries in a stable order with all they export (a constant number of queries per page)."""
    return (
        DirectoryEntry.objects.order_by("id")
        .select_related("topic")
        .prefetch_related(
            "texts", Prefetch("locations", queryset=ServiceLocation.objects.select_related("community_area"))
        )
    )


def hsds_entry_get(*, hsds_id: str) -> DirectoryEntry:
    entry = hsds_entry_list().filter(hsds_id=hsds_id).first()
    if entry is None:
        raise NotFound("No such service.")
    return entry
