"""Writes for the FAQ knowledge base: import a JSON list of entries, save one entry, load the demo city's.

Every entry's embedding (question and answer, see `faq.faq_embedding_text`) is computed once, when the
entry is saved, and stored; an import embeds all its new and changed entries in one call. Where the
embedder cannot run, entries are saved without one and are found by keywords only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.assistant.faq import (
    ExternalId,
    embedding_to_bytes,
    external_id_decode,
    external_id_encode,
    faq_embeddings,
)
from civicloop.assistant.models import FaqEntry
from civicloop.core.errors import DomainError
from civicloop.servicerequests.models import Service
from civicloop.topics.models import Topic

DEMO_FAQ_FILE = Path(__file__).resolve().parent.parent / "data" / "faq_chicago.json"
FAQ_FIELDS = frozenset({"id", "q", "a", "lang", "topic", "service"})


@dataclass(frozen=True)
class FaqProblem:
    """What is wrong with one entry of an import: its position in the list (from 0) and why."""

    index: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.message}"


class FaqInvalid(DomainError):
    """An import (or one entry) was refused; nothing was written. `problems` lists every bad entry."""

    def __init__(self, problems: Sequence[FaqProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems[:20]))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Entries saved without an embedding because the embedder could not run here (keywords find them).
    not_embedded: int = 0
    external_ids: list[str] = field(default_factory=list)  # stored form, in the order imported


@dataclass(frozen=True)
class _Valid:
    external_id: str
    question: str
    answer: str
    language: str
    topic: Topic | None
    service: Service | None


def city_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _text(entry: Mapping[str, Any], key: str, name: str, problems: list[str]) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f'"{key}" ({name}) is missing or empty')
        return ""
    return value.strip()


def _validate(entries: Sequence[object]) -> list[_Valid]:
    """Every entry checked before anything is written; raises FaqInvalid listing all the bad ones."""
    if not isinstance(entries, list | tuple):
        raise FaqInvalid([FaqProblem(0, "the file must hold a JSON list of entries")])
    languages = city_languages()
    topic_slugs = {entry.get("topic") for entry in entries if isinstance(entry, dict) and entry.get("topic")}
    service_codes = {
        entry.get("service") for entry in entries if isinstance(entry, dict) and entry.get("service")
    }
    topics = Topic.objects.in_bulk([s for s in topic_slugs if isinstance(s, str)], field_name="slug")
    services = Service.objects.in_bulk([c for c in service_codes if isinstance(c, str)], field_name="code")
    problems: list[FaqProblem] = []
    valid: list[_Valid] = []
    first_seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(FaqProblem(index, 'an entry must be an object like {"id": …, "q": …, "a": …}'))
            continue
        wrong: list[str] = []
        unknown = sorted(str(key) for key in entry if key not in FAQ_FIELDS)
        if unknown:
            wrong.append(f"unknown field(s) {', '.join(unknown)} (known: id, q, a, lang, topic, service)")
        external_id = ""
        if "id" not in entry:
            wrong.append('"id" is missing')
        else:
            try:
                external_id = external_id_encode(entry["id"])
            except ValueError as error:
                wrong.append(f'"id": {error}')
        if external_id in first_seen:
            wrong.append(
                f"id {json.dumps(entry['id'], ensure_ascii=False)} is also entry {first_seen[external_id]}"
            )
        elif external_id:
            first_seen[external_id] = index
        question = _text(entry, "q", "the question", wrong)
        answer = _text(entry, "a", "the answer", wrong)
        language = entry.get("lang", "en")
        if language not in languages:
            wrong.append(f'"lang" must be one of {", ".join(languages)}, not {json.dumps(language)}')
        topic = topics.get(entry["topic"]) if isinstance(entry.get("topic"), str) else None
        if entry.get("topic") and topic is None:
            wrong.append(f'"topic": no topic {json.dumps(entry["topic"])}')
        service = services.get(entry["service"]) if isinstance(entry.get("service"), str) else None
        if entry.get("service") and service is None:
            wrong.append(f'"service": no 311 service with code {json.dumps(entry["service"])}')
        if wrong:
            problems.extend(FaqProblem(index, message) for message in wrong)
        else:
            valid.append(_Valid(external_id, question, answer, str(language), topic, service))
    if problems:
        raise FaqInvalid(problems)
    return valid


def _unchanged(entry: FaqEntry, item: _Valid) -> bool:
    return (
        entry.question == item.question
        and entry.answer == item.answer
        and entry.language == item.language
        and entry.topic_id == (item.topic.pk if item.topic else None)
        and entry.service_id == (item.service.pk if item.service else None)
        and entry.embedding is not None
    )


def faq_import(entries: Sequence[object], *, now: datetime | None = None) -> ImportResult:
    """Create or update FAQ entries from a JSON list of {"id", "q", "a", "lang"?, "topic"?, "service"?}.

    Callers may rely on:
    - "lang" defaults to "en" and must be one of settings.LANGUAGES; "topic" is a topic slug and "service"
      a 311 service code, both optional; any other field is refused (a typo must not pass silently);
    - the ids are kept as imported (an int stays an int: see `faq.external_id_encode`); an id already
      stored updates that entry, an entry whose text is unchanged is left alone (`unchanged`);
    - every entry is checked first: with any bad one, FaqInvalid lists them all (index from 0) and
      nothing is written; otherwise everything is written in one transaction;
    - the new and changed entries are embedded in one call, before the transaction.
    """
    moment = now or timezone.now()
    valid = _validate(entries)
    existing = FaqEntry.objects.in_bulk([item.external_id for item in valid], field_name="external_id")
    result = ImportResult(external_ids=[item.external_id for item in valid])
    to_write = [
        item
        for item in valid
        if item.external_id not in existing or not _unchanged(existing[item.external_id], item)
    ]
    result.unchanged = len(valid) - len(to_write)
    vectors = faq_embeddings([(item.question, item.answer) for item in to_write])
    if vectors is None:
        result.not_embedded = len(to_write)
    created: list[FaqEntry] = []
    updated: list[FaqEntry] = []
    for position, item in enumerate(to_write):
        embedding = None if vectors is None else embedding_to_bytes(vectors[position])
        entry = existing.get(item.external_id) or FaqEntry(external_id=item.external_id, created_at=moment)
        entry.question, entry.answer, entry.language = item.question, item.answer, item.language
        entry.topic, entry.service = item.topic, item.service
        entry.embedding, entry.updated_at = embedding, moment
        (updated if entry.pk else created).append(entry)
    with transaction.atomic():
        FaqEntry.objects.bulk_create(created)
        FaqEntry.objects.bulk_update(
            updated, ["question", "answer", "language", "topic", "service", "embedding", "updated_at"]
        )
    result.created, result.updated = len(created), len(updated)
    if to_write:
        _index_changed()
    return result


def faq_entry_save(
    *,
    external_id: ExternalId,
    question: str,
    answer: str,
    language: str = "en",
    topic: Topic | None = None,
    service: Service | None = None,
    entry: FaqEntry | None = None,
    now: datetime | None = None,
) -> FaqEntry:
    """Save one entry (as staff do in the admin or the console) and compute its embedding.

    `external_id` is the id as imported (int or str), or its stored form when it comes from the admin
    (a stored form reads back to itself, so both work). With `entry`, that entry is updated, its id
    included; without, the entry with this id is updated or created. Raises FaqInvalid, writing nothing,
    on a missing question or answer, a language the city does not use, or an id another entry has.
    The embedding is computed again only when the question or the answer changed (or there was none).
    """
    moment = now or timezone.now()
    raw_id = external_id_decode(external_id) if isinstance(external_id, str) else external_id
    (checked,) = _validate([{"id": raw_id, "q": question, "a": answer, "lang": language}])
    valid = _Valid(checked.external_id, checked.question, checked.answer, checked.language, topic, service)
    same_id = FaqEntry.objects.filter(external_id=valid.external_id)
    if entry is not None and entry.pk:
        if same_id.exclude(pk=entry.pk).exists():
            raise FaqInvalid([FaqProblem(0, f"another entry already has the id {valid.external_id}")])
        target = entry
    else:
        target = same_id.first() or FaqEntry(created_at=moment)
    if target.pk and target.external_id == valid.external_id and _unchanged(target, valid):
        return target
    # Only the question and the answer are embedded: a new language, topic or service keeps the vector.
    if (
        not target.pk
        or target.embedding is None
        or (target.question, target.answer)
        != (
            valid.question,
            valid.answer,
        )
    ):
        vectors = faq_embeddings([(valid.question, valid.answer)])
        target.embedding = None if vectors is None else embedding_to_bytes(vectors[0])
    target.external_id, target.question, target.answer = valid.external_id, valid.question, valid.answer
    target.language, target.topic, target.service = valid.language, topic, service
    target.updated_at = moment
    target.created_at = target.created_at or moment
    target.save()
    _index_changed()
    return target


STAFF_ID_PREFIX = "staff-"


def faq_entry_create(
    *,
    question: str,
    answer: str,
    language: str = "en",
    topic: Topic | None = None,
    service: Service | None = None,
    now: datetime | None = None,
) -> FaqEntry:
    """A new entry written in the staff console, with an id of its own: "staff-<pk>".

    The id never changes afterwards (editing keeps it) and is short: it goes into text messages as the
    entry's link. An import updates the entry only if its file names that id (a file exported from
    here); if an import already holds "staff-<pk>", a random suffix is added. Raises FaqInvalid as
    `faq_entry_save` does, writing nothing.
    """
    with transaction.atomic():
        # A random placeholder, replaced once the pk is known (in the same transaction: never seen).
        entry = faq_entry_save(
            external_id=f"{STAFF_ID_PREFIX}new-{uuid.uuid4().hex}",
            question=question,
            answer=answer,
            language=language,
            topic=topic,
            service=service,
            now=now,
        )
        external_id = f"{STAFF_ID_PREFIX}{entry.pk}"
        if FaqEntry.objects.filter(external_id=external_id).exists():  # an import chose it already
            external_id = f"{STAFF_ID_PREFIX}{entry.pk}-{uuid.uuid4().hex[:8]}"
        FaqEntry.objects.filter(pk=entry.pk).update(external_id=external_id)
        entry.external_id = external_id
    _index_changed()
    return entry


def faq_entry_delete(*, entry: FaqEntry) -> None:
    """Remove an entry; the assistant stops offering it at once."""
    entry.delete()
    _index_changed()


def faq_demo_load() -> ImportResult:
    """Import the demo city's FAQ (Chicago, English and Spanish), idempotent: a second run changes nothing.

    Creates the city's topics first, which the entries are filed under.
    """
    from civicloop.topics.services import topics_ensure

    topics_ensure()
    with DEMO_FAQ_FILE.open(encoding="utf-8") as file:
        return faq_import(json.load(file))


def _index_changed() -> None:
    """This process's FAQ index is stale (other processes notice by the entries' count and latest change)."""
    from civicloop.assistant.selectors import faq_index_forget

    faq_index_forget()
