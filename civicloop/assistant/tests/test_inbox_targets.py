"""The service desk's targets on the inbox list: first staff reply and resolved, in business hours."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.tests.test_inbox import carmen, comms  # noqa: F401

pytestmark = pytest.mark.django_db


def social_conversation(n: int, *, age: timedelta) -> Conversation:
    start = timezone.now() - age
    made = Conversation.objects.create(
        channel="facebook",
        remote_account_id=str(n),
        remote_thread_id=f"dm:{n}",
        remote_handle=f"resident{n}",
        created_at=start,
        last_message_at=start,
    )
    AssistantMessage.objects.create(conversation=made, direction="in", body="hola", created_at=start)
    return made


def test_a_comment_nobody_answered_for_days_is_overdue_and_a_new_one_is_due(settings, comms):  # noqa: F811
    settings.INBOX_BUSINESS_HOURS = (
        "Mon-Sun 00:00-23:59"  # every hour counts: the test does not depend on the day
    )
    settings.INBOX_FIRST_REPLY_SLA_HOURS = 4
    social_conversation(1, age=timedelta(days=3))
    social_conversation(2, age=timedelta(minutes=5))

    page = comms.get("/staff/inbox/").content.decode()

    assert page.count("First reply overdue") == 1 and page.count("Resolution overdue") == 1
    assert "First reply due" in page


def test_a_staff_reply_stops_the_first_reply_clock(settings, comms, carmen):  # noqa: F811
    settings.INBOX_BUSINESS_HOURS = "Mon-Sun 00:00-23:59"
    late = social_conversation(1, age=timedelta(days=3))
    AssistantMessage.objects.create(
        conversation=late, direction="out", body="perdón", sent_by=carmen, created_at=timezone.now()
    )

    page = comms.get("/staff/inbox/").content.decode()

    assert "First reply overdue" not in page and "Resolution overdue" in page
