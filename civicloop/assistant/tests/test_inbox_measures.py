"""How fast the city answers, by channel and language: first staff reply and time to resolved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.assistant.models import AssistantMessage, Conversation, DeskStatus
from civicloop.assistant.response_times import inbox_response_times
from civicloop.assistant.tests.test_inbox import carmen, comms, make_staff, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db


def conversation(
    channel: str,
    language: str,
    n: int,
    *,
    reply_after_hours: float | None,
    resolved_after: float | None,
    staff,
):
    start = timezone.now() - timedelta(days=2)
    identity = (
        {"phone": f"+1312555{n:04d}"}
        if channel in ("sms", "whatsapp")
        else {"remote_account_id": str(n), "remote_thread_id": f"dm:{n}"}
    )
    made = Conversation.objects.create(
        channel=channel, language=language, created_at=start, last_message_at=start, **identity
    )
    AssistantMessage.objects.create(conversation=made, direction="in", body="hola", created_at=start)
    # the assistant's instant answer is not a staff reply
    AssistantMessage.objects.create(conversation=made, direction="out", body="auto", created_at=start)
    if reply_after_hours is not None:
        AssistantMessage.objects.create(
            conversation=made,
            direction="out",
            body="staff",
            sent_by=staff,
            created_at=start + timedelta(hours=reply_after_hours),
        )
    if resolved_after is not None:
        Conversation.objects.filter(pk=made.pk).update(
            desk_status=DeskStatus.RESOLVED, desk_status_at=start + timedelta(hours=resolved_after)
        )
    return made


def test_times_are_measured_from_the_first_message_to_the_first_staff_reply_and_to_resolved(carmen):  # noqa: F811
    for n, hours in enumerate([1, 2, 3]):
        conversation("whatsapp", "es", n, reply_after_hours=hours, resolved_after=hours + 1, staff=carmen)
    conversation("whatsapp", "es", 9, reply_after_hours=None, resolved_after=None, staff=carmen)
    conversation("sms", "en", 10, reply_after_hours=0.5, resolved_after=None, staff=carmen)

    rows = {(row.channel, row.language): row for row in inbox_response_times(days=30)}

    spanish_whatsapp = rows["whatsapp", "es"]
    assert spanish_whatsapp.conversations == 4 and spanish_whatsapp.answered_by_staff == 3
    assert spanish_whatsapp.first_reply_median_hours == 2.0 and spanish_whatsapp.first_reply_p90_hours == 3.0
    assert spanish_whatsapp.resolved == 3 and spanish_whatsapp.resolution_median_hours == 3.0
    english_sms = rows["sms", "en"]
    assert english_sms.first_reply_median_hours == 0.5 and english_sms.resolved == 0


def test_the_page_shows_the_table_to_staff_who_answer_residents(carmen, comms):  # noqa: F811
    conversation("facebook", "en", 1, reply_after_hours=4, resolved_after=None, staff=carmen)

    page = comms.get("/staff/inbox/measures/", {"days": "7"})
    refused = signed_in(make_staff("mona", Role.MODERATOR)).get("/staff/inbox/measures/")

    assert page.status_code == 200 and "Facebook" in page.content.decode() and "4.0" in page.content.decode()
    assert refused.status_code in (302, 403)
