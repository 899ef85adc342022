"""Personal data past its retention period is forgotten by one daily pass; the public record stays."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicloop.accounts.models import StaffSecurityEvent
from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.core.retention import retention_enforce, retention_rules
from civicloop.core.tasks import enforce_retention, retention_schedule
from civicloop.subscriptions.models import ContactPoint, Subscriber

pytestmark = pytest.mark.django_db


def test_every_kind_of_personal_data_named_by_the_issue_has_a_rule():
    assert {rule.setting for rule in retention_rules()} == {
        "RETENTION_MESSAGE_BODY_DAYS",
        "RETENTION_NETWORK_KEY_DAYS",
        "RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS",
    }


def test_old_message_bodies_are_blanked_and_the_conversation_stays(settings):
    settings.RETENTION_MESSAGE_BODY_DAYS = 365
    now = timezone.now()
    conversation = Conversation.objects.create(
        channel="sms", phone="+13125550147", created_at=now - timedelta(days=400), last_message_at=now
    )
    old = AssistantMessage.objects.create(
        conversation=conversation,
        direction="in",
        body="my number is 312 555 0147",
        media=[{"url": "https://api.twilio.com/m/1", "content_type": "image/jpeg"}],
        handled_as="faq_answer",
        created_at=now - timedelta(days=366),
    )
    recent = AssistantMessage.objects.create(
        conversation=conversation,
        direction="out",
        body="Garbage day is Tuesday.",
        created_at=now - timedelta(days=3),
    )

    changed = retention_enforce(now=now)

    assert changed["assistant message bodies"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.body, old.media, old.handled_as) == ("", [], "faq_answer")
    assert recent.body == "Garbage day is Tuesday."
    assert retention_enforce(now=now)["assistant message bodies"] == 0  # nothing left to blank


def test_unconfirmed_subscriptions_go_and_confirmed_ones_stay(settings):
    settings.RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS = 30
    now = timezone.now()
    stale = Subscriber.objects.create()
    ContactPoint.objects.create(subscriber=stale, kind="email", value="stale@example.org")
    fresh = Subscriber.objects.create()
    active = Subscriber.objects.create(status="active", confirmed_at=now - timedelta(days=400))
    Subscriber.objects.filter(pk__in=[stale.pk, active.pk]).update(created_at=now - timedelta(days=31))

    assert retention_enforce(now=now)["unconfirmed subscriptions"] == 1

    assert set(Subscriber.objects.values_list("pk", flat=True)) == {fresh.pk, active.pk}
    assert not ContactPoint.objects.filter(value="stale@example.org").exists()


def test_a_rule_set_to_zero_days_keeps_everything(settings):
    settings.RETENTION_NETWORK_KEY_DAYS = 0
    event = StaffSecurityEvent.objects.create(
        kind="locked_out",
        username="x",
        network_key="k" * 32,
        created_at=timezone.now() - timedelta(days=3000),
    )

    changed = retention_enforce()

    assert "staff security event network keys" not in changed
    event.refresh_from_db()
    assert event.network_key == "k" * 32


def test_old_sign_in_events_lose_their_network_key(settings):
    settings.RETENTION_NETWORK_KEY_DAYS = 90
    event = StaffSecurityEvent.objects.create(
        kind="locked_out", username="x", network_key="k" * 32, created_at=timezone.now() - timedelta(days=91)
    )

    assert retention_enforce()["staff security event network keys"] == 1
    event.refresh_from_db()
    assert (event.network_key, event.username) == ("", "x")


def test_the_worker_books_one_daily_pass():
    assert retention_schedule() is True
    assert retention_schedule() is False  # one is waiting already
    waiting = DBTaskResult.objects.filter(
        task_path=enforce_retention.module_path, status=TaskResultStatus.READY
    )
    assert waiting.count() == 1
