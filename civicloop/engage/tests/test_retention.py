"""Retention of supports' network hashes (core/retention.py): blanked after the setting's days."""

from datetime import timedelta

from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.core.retention import retention_enforce
from civicloop.engage.models import Idea, Participant, Support


def test_old_supports_lose_their_network_key_and_stay(question, settings):
    settings.RETENTION_NETWORK_KEY_DAYS = 90
    now = timezone.now()
    users = User.objects.bulk_create([User(username=f"r{n}") for n in range(3)])
    people = Participant.objects.bulk_create(
        [Participant(user=user, display_name=f"R {n}", created_at=now) for n, user in enumerate(users)]
    )
    idea = Idea.objects.create(question=question, author=people[0], title="Benches", body="…", created_at=now)
    old = Support.objects.create(
        idea=idea, participant=people[1], created_at=now - timedelta(days=91), network_key="a" * 32
    )
    new = Support.objects.create(
        idea=idea, participant=people[2], created_at=now - timedelta(days=89), network_key="b" * 32
    )

    changed = retention_enforce(now=now)

    assert changed["support network keys"] == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.network_key, new.network_key) == ("", "b" * 32)
    assert Support.objects.count() == 2
