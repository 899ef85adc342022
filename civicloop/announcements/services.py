"""Writes for announcements: compose, edit, schedule, publish, archive."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from civicloop.announcements.models import (
    BODY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Announcement,
    AnnouncementRevision,
    AnnouncementTranslation,
    Kind,
    Status,
)
from civicloop.announcements.publishing import published_on_commit
from civicloop.core.errors import DomainError
from civicloop.core.text import markdown_to_safe_html
from civicloop.places.models import CommunityArea
from civicloop.topics.models import Topic

DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES = {code for code, _ in settings.LANGUAGES}


class AnnouncementInvalid(DomainError):
    pass


class AnnouncementStateError(DomainError):
    pass


@dataclass(frozen=True)
class AnnouncementText:
    title: str
    body_markdown: str
    summary: str = ""


@dataclass(frozen=True)
class AnnouncementDetails:
    """Everything about an announcement except its text."""

    kind: str
    topics: Sequence[Topic] = ()
    areas: Sequence[CommunityArea] = ()
    is_citywide: bool = True
    event_starts_at: datetime | None = None
    event_ends_at: datetime | None = None
    event_location: str = ""
    post_to_social: bool = False
    texts: dict[str, AnnouncementText] = field(default_factory=dict)


def _validate(details: AnnouncementDetails) -> None:
    if details.kind not in Kind.values:
        raise AnnouncementInvalid("Choose what kind of announcement this is.", field="kind")
    english = details.texts.get(DEFAULT_LANGUAGE)
    if english is None or not english.title.strip() or not english.body_markdown.strip():
        raise AnnouncementInvalid("An English title and text are required.", field="title_en")
    for language, text in details.texts.items():
        if language not in SUPPORTED_LANGUAGES:
            raise AnnouncementInvalid(f"Unsupported language: {language}.")
        if not text.title.strip() or not text.body_markdown.strip():
            raise AnnouncementInvalid(
                "Each language version needs a title and text.", field=f"title_{language}"
            )
        if len(text.title) > TITLE_MAX:
            raise AnnouncementInvalid(
                f"Titles are limited to {TITLE_MAX} characters.", field=f"title_{language}"
            )
        if len(text.summary) > SUMMARY_MAX:
            raise AnnouncementInvalid(
                f"Summaries are limited to {SUMMARY_MAX} characters.", field=f"summary_{language}"
            )
        if len(text.body_markdown) > BODY_MAX:
            raise AnnouncementInvalid(f"Text is limited to {BODY_MAX} characters.", field=f"body_{language}")
    if not details.is_citywide and not details.areas:
        raise AnnouncementInvalid("Choose at least one community area, or all of Chicago.", field="areas")
    if details.kind == Kind.EVENT and details.event_starts_at is None:
        raise AnnouncementInvalid("An event needs a start time.", field="event_starts_at")
    if details.event_starts_at and details.event_ends_at and details.event_ends_at < details.event_starts_at:
        raise AnnouncementInvalid("An event cannot end before it starts.", field="event_ends_at")


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "announcement"
    taken = set(Announcement.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _apply_details(announcement: Announcement, details: AnnouncementDetails) -> None:
    announcement.kind = details.kind
    announcement.is_citywide = details.is_citywide
    is_event = details.kind == Kind.EVENT
    announcement.event_starts_at = details.event_starts_at if is_event else None
    announcement.event_ends_at = details.event_ends_at if is_event else None
    announcement.event_location = details.event_location.strip() if is_event else ""
    announcement.post_to_social = details.post_to_social


def _save_relations(announcement: Announcement, details: AnnouncementDetails) -> None:
    announcement.topics.set(details.topics)
    announcement.areas.set([] if details.is_citywide else details.areas)


@transaction.atomic
def announcement_create(*, author: Any, details: AnnouncementDetails) -> Announcement:
    """Create a draft; nothing is public until it is published."""
    _validate(details)
    announcement = Announcement(slug=_unique_slug(details.texts[DEFAULT_LANGUAGE].title), status=Status.DRAFT)
    _apply_details(announcement, details)
    announcement.created_by = author if getattr(author, "pk", None) else None  # type: ignore[assignment]
    announcement.save()
    _save_relations(announcement, details)
    AnnouncementTranslation.objects.bulk_create(
        AnnouncementTranslation(
            announcement=announcement,
            language=language,
            title=text.title.strip(),
            summary=text.summary.strip(),
            body_markdown=text.body_markdown,
            body_html=markdown_to_safe_html(text.body_markdown),
        )
        for language, text in details.texts.items()
    )
    return announcement


@transaction.atomic
def announcement_update(
    *, announcement: Announcement, editor: Any, details: AnnouncementDetails
) -> Announcement:
    """Edit an announcement; once published, old text is kept as a revision and the page says 'Updated'."""
    _validate(details)
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status == Status.ARCHIVED:
        raise AnnouncementStateError("Archived announcements cannot be edited.")
    is_live = announcement.status == Status.PUBLISHED
    existing = {t.language: t for t in announcement.translations.all()}
    changed = False
    revisions = []
    for language, text in details.texts.items():
        current = existing.pop(language, None)
        new_values = (text.title.strip(), text.summary.strip(), text.body_markdown)
        if current is None:
            AnnouncementTranslation.objects.create(
                announcement=announcement,
                language=language,
                title=new_values[0],
                summary=new_values[1],
                body_markdown=text.body_markdown,
                body_html=markdown_to_safe_html(text.body_markdown),
            )
            changed = True
            continue
        if (current.title, current.summary, current.body_markdown) == new_values:
            continue
        revisions.append(_revision_of(current, editor))
        current.title, current.summary, current.body_markdown = new_values
        current.body_html = markdown_to_safe_html(text.body_markdown)
        current.save(update_fields=["title", "summary", "body_markdown", "body_html"])
        changed = True
    for removed in existing.values():  # a language version the editor cleared
        revisions.append(_revision_of(removed, editor))
        removed.delete()
        changed = True
    event_before = (announcement.event_starts_at, announcement.event_ends_at, announcement.event_location)
    _apply_details(announcement, details)
    changed = changed or event_before != (
        announcement.event_starts_at,
        announcement.event_ends_at,
        announcement.event_location,
    )
    if is_live:
        AnnouncementRevision.objects.bulk_create(revisions)
        if changed:
            announcement.content_updated_at = timezone.now()
    announcement.save()
    _save_relations(announcement, details)
    return announcement


def _revision_of(text: AnnouncementTranslation, editor: Any) -> AnnouncementRevision:
    return AnnouncementRevision(
        announcement_id=text.announcement_id,
        language=text.language,
        title=text.title,
        summary=text.summary,
        body_markdown=text.body_markdown,
        replaced_by=editor if getattr(editor, "pk", None) else None,
    )


@transaction.atomic
def announcement_publish(
    *, announcement: Announcement, now: datetime | None = None, deliver: bool = True
) -> Announcement:
    """Publish now, and (after commit) deliver it to subscribers. Publishing twice is harmless.

    `deliver=False` is for importing past announcements, which must not be mailed out today.
    """
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status == Status.PUBLISHED:
        return announcement
    if announcement.status == Status.ARCHIVED:
        raise AnnouncementStateError("Archived announcements cannot be published again.")
    announcement.status = Status.PUBLISHED
    announcement.published_at = now or timezone.now()
    announcement.publish_at = None
    announcement.save(update_fields=["status", "published_at", "publish_at", "updated_at"])
    if deliver:
        published_on_commit([announcement.pk])
    return announcement


@transaction.atomic
def announcement_schedule(
    *, announcement: Announcement, publish_at: datetime, now: datetime | None = None
) -> Announcement:
    """Schedule publication; a background task publishes it when due."""
    from civicloop.announcements.tasks import publish_due_announcements

    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status not in (Status.DRAFT, Status.SCHEDULED):
        raise AnnouncementStateError("Only drafts can be scheduled.")
    if publish_at <= (now or timezone.now()):
        raise AnnouncementInvalid("Choose a time in the future.", field="publish_at")
    announcement.status = Status.SCHEDULED
    announcement.publish_at = publish_at
    announcement.save(update_fields=["status", "publish_at", "updated_at"])
    transaction.on_commit(lambda: publish_due_announcements.using(run_after=publish_at).enqueue())
    return announcement


@transaction.atomic
def announcement_unschedule(*, announcement: Announcement) -> Announcement:
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status == Status.SCHEDULED:
        announcement.status = Status.DRAFT
        announcement.publish_at = None
        announcement.save(update_fields=["status", "publish_at", "updated_at"])
    return announcement


@transaction.atomic
def announcement_archive(*, announcement: Announcement, now: datetime | None = None) -> Announcement:
    """Take an announcement off lists and feeds; its page stays up, marked as archived."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status != Status.PUBLISHED:
        raise AnnouncementStateError("Only published announcements can be archived.")
    announcement.status = Status.ARCHIVED
    announcement.archived_at = now or timezone.now()
    announcement.save(update_fields=["status", "archived_at", "updated_at"])
    return announcement


@transaction.atomic
def announcements_publish_due(*, now: datetime | None = None) -> list[int]:
    """Publish every scheduled announcement whose time has come, in one statement; safe to repeat.

    Returns the ids it published, so callers can fan them out.
    """
    moment = now or timezone.now()
    due = Announcement.objects.select_for_update().filter(status=Status.SCHEDULED, publish_at__lte=moment)
    due_ids = list(due.values_list("id", flat=True))
    Announcement.objects.filter(id__in=due_ids).update(
        status=Status.PUBLISHED, published_at=F("publish_at"), publish_at=None, updated_at=moment
    )
    published_on_commit(due_ids)
    return due_ids


class ComposeAction:
    SAVE = "save"
    PUBLISH = "publish"
    SCHEDULE = "schedule"


@transaction.atomic
def announcement_compose(
    *,
    announcement: Announcement | None,
    author: Any,
    details: AnnouncementDetails,
    action: str,
    publish_at: datetime | None = None,
) -> Announcement:
    """The composer's buttons: save a draft or edit, then publish or schedule; all or nothing."""
    if announcement is None:
        saved = announcement_create(author=author, details=details)
    else:
        saved = announcement_update(announcement=announcement, editor=author, details=details)
    if action == ComposeAction.PUBLISH:
        return announcement_publish(announcement=saved)
    if action == ComposeAction.SCHEDULE:
        if publish_at is None:
            raise AnnouncementInvalid("Choose when to publish.", field="publish_at")
        return announcement_schedule(announcement=saved, publish_at=publish_at)
    return saved
