"""Publishing hands the announcement to whoever registered to deliver it, once committed; with nobody
registered, publishing is refused rather than telling nobody."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.announcements import publishing
from civicloop.announcements.models import Status
from civicloop.announcements.services import (
    announcement_publish,
    announcement_schedule,
    announcements_publish_due,
)
from civicloop.announcements.tests.factories import make_announcement
from civicloop.delivery.services import announcement_delivery_start

pytestmark = pytest.mark.django_db


def test_delivery_registered_itself_at_startup_and_is_the_only_hook():
    assert publishing._hooks == [announcement_delivery_start]


def test_the_hook_gets_the_announcement_only_once_the_publication_commits(
    monkeypatch, django_capture_on_commit_callbacks
):
    handed: list[int] = []
    monkeypatch.setattr(publishing, "_hooks", [lambda *, announcement_id: handed.append(announcement_id)])
    draft = make_announcement(publish=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        announcement_publish(announcement=draft)
        assert handed == []  # not before the commit

    assert len(callbacks) == 1
    assert handed == [draft.pk]


def test_importing_a_past_announcement_hands_it_to_nobody(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(publishing, "_hooks", [])  # would refuse if asked to deliver
    draft = make_announcement(publish=False)

    with django_capture_on_commit_callbacks(execute=True):
        announcement_publish(announcement=draft, deliver=False)

    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def test_publishing_with_nobody_to_deliver_is_refused_and_nothing_is_published(monkeypatch):
    monkeypatch.setattr(publishing, "_hooks", [])
    draft = make_announcement(publish=False)

    with pytest.raises(publishing.NobodyDelivers):
        announcement_publish(announcement=draft)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT  # the publication rolled back


def test_a_due_announcement_is_not_published_with_nobody_to_deliver(monkeypatch):
    monkeypatch.setattr(publishing, "_hooks", [])
    draft = make_announcement(publish=False)
    announcement_schedule(announcement=draft, publish_at=timezone.now() + timedelta(minutes=5))

    with pytest.raises(publishing.NobodyDelivers):
        announcements_publish_due(now=timezone.now() + timedelta(minutes=10))

    draft.refresh_from_db()
    assert draft.status == Status.SCHEDULED
    assert announcements_publish_due(now=timezone.now()) == []  # nothing due: nothing to refuse
