from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.announcements.models import Announcement, AnnouncementTranslation, Kind, Status
from civicloop.announcements.services import (
    AnnouncementDetails,
    AnnouncementInvalid,
    AnnouncementStateError,
    AnnouncementText,
    announcement_archive,
    announcement_create,
    announcement_publish,
    announcement_schedule,
    announcement_update,
    announcements_publish_due,
)
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic

pytestmark = pytest.mark.django_db


def details(**overrides):
    values: dict[str, Any] = {
        "kind": Kind.POLICY,
        "topics": [make_topic()],
        "texts": {"en": AnnouncementText(title="Rent rules", body_markdown="Landlords must list fees.")},
    }
    values.update(overrides)
    return AnnouncementDetails(**values)


def test_a_new_announcement_is_a_draft_with_a_slug_from_its_english_title():
    announcement = announcement_create(author=None, details=details())

    assert announcement.status == Status.DRAFT
    assert announcement.slug == "rent-rules"


def test_slugs_stay_unique():
    first = announcement_create(author=None, details=details())
    second = announcement_create(author=None, details=details())

    assert {first.slug, second.slug} == {"rent-rules", "rent-rules-2"}


def test_body_is_rendered_to_sanitised_html():
    texts = {"en": AnnouncementText(title="T", body_markdown="**Hi** <script>alert(1)</script>")}

    announcement = announcement_create(author=None, details=details(texts=texts))

    html = announcement.translations.get(language="en").body_html
    assert "<strong>Hi</strong>" in html
    assert "<script" not in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"texts": {}}, "title_en"),
        ({"texts": {"es": AnnouncementText(title="Solo", body_markdown="Texto")}}, "title_en"),
        ({"kind": "rumour"}, "kind"),
        ({"kind": Kind.EVENT}, "event_starts_at"),
        ({"is_citywide": False, "areas": []}, "areas"),
        ({"texts": {"en": AnnouncementText(title="x" * 161, body_markdown="b")}}, "title_en"),
        ({"texts": {"en": AnnouncementText(title="t", body_markdown="b" * 20_001)}}, "body_en"),
    ],
)
def test_invalid_announcements_are_refused_and_nothing_is_stored(overrides, field):
    with pytest.raises(AnnouncementInvalid) as error:
        announcement_create(author=None, details=details(**overrides))

    assert error.value.field == field
    assert Announcement.objects.count() == 0
    assert AnnouncementTranslation.objects.count() == 0


def test_an_event_cannot_end_before_it_starts():
    start = timezone.now() + timedelta(days=3)

    with pytest.raises(AnnouncementInvalid):
        announcement_create(
            author=None,
            details=details(kind=Kind.EVENT, event_starts_at=start, event_ends_at=start - timedelta(hours=1)),
        )


def test_publishing_sets_the_date_and_publishing_again_keeps_it():
    announcement = announcement_create(author=None, details=details())
    first = announcement_publish(announcement=announcement)

    again = announcement_publish(announcement=first, now=timezone.now() + timedelta(days=1))

    assert again.status == Status.PUBLISHED
    assert again.published_at == first.published_at


def test_editing_after_publishing_keeps_history_and_marks_the_update():
    announcement = make_announcement(title="Old title", body="Old text")

    updated = announcement_update(
        announcement=announcement,
        editor=None,
        details=details(texts={"en": AnnouncementText(title="New title", body_markdown="New text")}),
    )

    assert updated.was_updated
    assert updated.translations.get(language="en").title == "New title"
    revision = updated.revisions.get(language="en")
    assert (revision.title, revision.body_markdown) == ("Old title", "Old text")
    # the Spanish version the editor removed is kept in history too
    assert updated.revisions.filter(language="es").exists()
    assert not updated.translations.filter(language="es").exists()


def test_editing_a_draft_keeps_no_history():
    announcement = make_announcement(publish=False)

    updated = announcement_update(announcement=announcement, editor=None, details=details())

    assert updated.revisions.count() == 0
    assert not updated.was_updated


def test_an_unchanged_save_after_publishing_is_not_an_update():
    announcement = make_announcement(title="Same", body="Same text", summary="", spanish=None)

    updated = announcement_update(
        announcement=announcement,
        editor=None,
        details=details(
            kind=announcement.kind, texts={"en": AnnouncementText(title="Same", body_markdown="Same text")}
        ),
    )

    assert not updated.was_updated
    assert updated.revisions.count() == 0


def test_area_targeting_replaces_citywide():
    area = make_area()

    announcement = announcement_create(author=None, details=details(is_citywide=False, areas=[area]))

    assert not announcement.is_citywide
    assert list(announcement.areas.all()) == [area]


def test_archiving_takes_it_off_the_public_list():
    announcement = make_announcement()

    archived = announcement_archive(announcement=announcement)

    assert archived.status == Status.ARCHIVED
    with pytest.raises(AnnouncementStateError):
        announcement_publish(announcement=archived)


def test_scheduling_needs_a_future_time():
    announcement = make_announcement(publish=False)

    with pytest.raises(AnnouncementInvalid):
        announcement_schedule(announcement=announcement, publish_at=timezone.now() - timedelta(minutes=1))


def test_publish_due_publishes_only_what_is_due_and_is_safe_to_repeat():
    now = timezone.now()
    due = make_announcement(title="Due", publish=False)
    later = make_announcement(title="Later", publish=False)
    Announcement.objects.filter(pk=due.pk).update(
        status=Status.SCHEDULED, publish_at=now - timedelta(minutes=1)
    )
    Announcement.objects.filter(pk=later.pk).update(
        status=Status.SCHEDULED, publish_at=now + timedelta(hours=1)
    )

    assert announcements_publish_due(now=now) == [due.pk]
    assert announcements_publish_due(now=now) == []

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.PUBLISHED and due.published_at == now - timedelta(minutes=1)
    assert later.status == Status.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_announcement_publishes_itself_through_the_worker():
    announcement = make_announcement(publish=False)
    publish_at = timezone.now() + timedelta(minutes=10)  # far enough that a slow worker start cannot reach it

    announcement_schedule(announcement=announcement, publish_at=publish_at)
    task = DBTaskResult.objects.get()
    assert task.run_after == publish_at

    # the worker leaves it alone until it is due...
    call_command("worker", batch=True)
    announcement.refresh_from_db()
    assert announcement.status == Status.SCHEDULED

    # ...and publishes it once the time has come (simulated by moving both clocks back).
    past = timezone.now() - timedelta(seconds=1)
    DBTaskResult.objects.update(run_after=past)
    Announcement.objects.filter(pk=announcement.pk).update(publish_at=past)
    call_command("worker", batch=True)
    announcement.refresh_from_db()
    assert announcement.status == Status.PUBLISHED
