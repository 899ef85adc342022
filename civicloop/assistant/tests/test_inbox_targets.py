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


def test_the_thread_page_shows_the_targets_and_says_in_words_which_are_overdue(settings, comms):  # noqa: F811
    settings.INBOX_BUSINESS_HOURS = "Mon-Sun 00:00-23:59"
    settings.INBOX_FIRST_REPLY_SLA_HOURS = 4
    late = social_conversation(1, age=timedelta(days=3))
    fresh = social_conversation(2, age=timedelta(minutes=5))

    overdue = comms.get(f"/staff/inbox/{late.pk}/").content.decode()
    due = comms.get(f"/staff/inbox/{fresh.pk}/").content.decode()

    assert '<strong class="tag tag-overdue">First reply overdue</strong>' in overdue
    assert '<strong class="tag tag-overdue">Resolution overdue</strong>' in overdue
    assert "overdue" not in due and "First reply due" in due and "Resolution due" in due


def test_the_thread_page_says_a_late_first_reply_was_late_and_a_resolved_one_is_resolved(
    settings,
    comms,  # noqa: F811
    carmen,  # noqa: F811
):
    settings.INBOX_BUSINESS_HOURS = "Mon-Sun 00:00-23:59"
    settings.INBOX_FIRST_REPLY_SLA_HOURS = 4
    late = social_conversation(1, age=timedelta(days=3))
    AssistantMessage.objects.create(
        conversation=late, direction="out", body="perdón", sent_by=carmen, created_at=timezone.now()
    )
    Conversation.objects.filter(pk=late.pk).update(desk_status="resolved", desk_status_at=timezone.now())

    page = comms.get(f"/staff/inbox/{late.pk}/").content.decode()

    assert "Answered" in page and "Late: it was due" in page
    assert "First reply overdue" not in page and "Resolution overdue" not in page
    assert '<dd id="target-resolution">Resolved</dd>' in page


def test_the_assistants_own_conversation_has_no_clock_yet(comms):  # noqa: F811
    start = timezone.now() - timedelta(days=3)
    texted = Conversation.objects.create(
        channel="sms", phone="+13125550123", created_at=start, last_message_at=start
    )

    page = comms.get(f"/staff/inbox/{texted.pk}/").content.decode()

    assert "overdue" not in page and "the clock starts when staff take it over" in page


def test_the_thread_pages_queries_do_not_grow_with_staff_replies(settings, comms, carmen):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.INBOX_BUSINESS_HOURS = "Mon-Sun 00:00-23:59"
    conversation = social_conversation(1, age=timedelta(days=3))
    url = f"/staff/inbox/{conversation.pk}/"
    comms.get(url)  # the same-number sweep and the like have run once
    with CaptureQueriesContext(connection) as few:
        comms.get(url)
    for n in range(15):
        AssistantMessage.objects.create(
            conversation=conversation,
            direction="out",
            body=f"reply {n}",
            sent_by=carmen,
            created_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as many:
        page = comms.get(url).content.decode()

    assert "Late: it was due" in page  # the targets read the first reply, in the same queries
    assert len(few.captured_queries) == len(many.captured_queries)
