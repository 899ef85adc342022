"""Owners hear of their entries due for review (reviews.py, tasks.py): one email per owner, once per
review-by date, in their language; a failed email is retried, never lost or sent twice."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail

from civicloop.accounts.models import User
from civicloop.directory.models import DirectoryEntry
from civicloop.directory.reviews import directory_review_reminders_send
from civicloop.directory.tasks import directory_reviews_schedule
from civicloop.directory.tests.factories import make_entry

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def _owner(username: str, **fields: Any) -> User:
    values = {"email": f"{username}@city.example.org", "first_name": "Dana", "last_name": "Ruiz", **fields}
    return User.objects.create_user(username=username, password="x" * 20, **values)


def test_each_owner_gets_one_email_listing_their_entries_due_or_overdue_and_nothing_twice():
    dana, lee = _owner("dana"), _owner("lee", first_name="Lee")
    make_entry("rental-help", owner=dana, review_by=TODAY + timedelta(days=10))
    make_entry("library-card", owner=dana, review_by=TODAY - timedelta(days=3))
    make_entry("citykey", owner=dana, review_by=TODAY + timedelta(days=30))  # not yet
    make_entry("warming-centres", owner=lee, review_by=TODAY)
    make_entry("no-owner", review_by=TODAY)
    make_entry("gone", owner=_owner("gone", is_active=False), review_by=TODAY)

    assert directory_review_reminders_send(today=TODAY) == 2

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["dana@city.example.org", "lee@city.example.org"]
    dana_email = by_recipient["dana@city.example.org"]
    assert dana_email.subject == "Directory entries due for review"
    assert "/services/rental-help/ (review by" in dana_email.body
    assert "/services/library-card/ (overdue since" in dana_email.body
    assert "citykey" not in dana_email.body and "warming" not in dana_email.body
    assert "/staff/admin/directory/directoryentry/" in dana_email.body

    assert directory_review_reminders_send(today=TODAY) == 0  # once per review-by date
    assert len(mail.outbox) == 2


def test_a_new_review_by_date_earns_a_new_reminder():
    dana = _owner("dana")
    entry = make_entry("rental-help", owner=dana, review_by=TODAY)
    directory_review_reminders_send(today=TODAY)

    DirectoryEntry.objects.filter(pk=entry.pk).update(review_by=TODAY + timedelta(days=365))
    assert directory_review_reminders_send(today=TODAY) == 0
    assert directory_review_reminders_send(today=TODAY + timedelta(days=360)) == 1
    assert len(mail.outbox) == 2


def test_the_email_is_in_the_owners_language():
    make_entry("rental-help", owner=_owner("ana", preferred_language="es"), review_by=TODAY)

    directory_review_reminders_send(today=TODAY)

    assert mail.outbox[0].subject == "Entradas del directorio que deben revisarse"
    assert mail.outbox[0].extra_headers["Content-Language"] == "es"


def test_a_failed_email_is_sent_again_on_the_next_run(monkeypatch):
    entry = make_entry("rental-help", owner=_owner("dana"), review_by=TODAY)

    def refuse(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", refuse)
        with pytest.raises(ConnectionRefusedError):
            directory_review_reminders_send(today=TODAY)
    entry.refresh_from_db()
    assert entry.review_reminded_for is None

    assert directory_review_reminders_send(today=TODAY) == 1
    assert len(mail.outbox) == 1


def test_one_daily_run_is_kept_waiting():
    assert directory_reviews_schedule() is True
    assert directory_reviews_schedule() is False
