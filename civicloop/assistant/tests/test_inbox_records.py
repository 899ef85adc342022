"""A conversation exported as a record for a public-records request: messages, staff actions and notes."""

import csv
import io

import pytest
from django.test import Client

from civicloop.accounts.models import Role
from civicloop.assistant.models import Conversation
from civicloop.assistant.services.desk import desk_assign, desk_note_add, desk_status_set
from civicloop.assistant.tests.test_inbound_sms import PHONE, reply_of, text
from civicloop.assistant.tests.test_inbox import carmen, comms, make_staff, signed_in  # noqa: F401
from civicloop.servicerequests.tests.conftest import catalogue  # noqa: F401 (a fixture: the departments)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


def record_of(client: Client, conversation: Conversation) -> list[list[str]]:
    response = client.get(f"/staff/inbox/{conversation.pk}/record.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_record_holds_every_message_action_and_note_in_order_with_staff_names(
    catalogue,  # noqa: F811
    carmen,  # noqa: F811
    comms,  # noqa: F811
):
    reply_of(text("HELP"))
    conversation = Conversation.objects.get(channel="sms")
    desk_assign(
        conversation_ids=[conversation.pk], staff=carmen, assignee_id=carmen.pk, team="Streets and Sanitation"
    )
    desk_note_add(conversation_id=conversation.pk, staff=carmen, body="Call back about the alley.")
    desk_status_set(conversation_ids=[conversation.pk], staff=carmen, status="resolved")

    rows = record_of(comms, conversation)

    assert rows[0] == ["time", "entry", "channel", "by", "text", "sent"]
    entries = [row[1] for row in rows[1:]]
    assert entries[:2] == ["message from the resident", "reply"]
    assert "private note" in entries and "Assigned" in entries and "Status changed" in entries
    note = next(row for row in rows if row[1] == "private note")
    assert note[3] == "Carmen Staff" and note[4] == "Call back about the alley."
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])


def test_staff_who_may_not_see_contact_details_get_them_masked(carmen):  # noqa: F811
    reply_of(text("my number is 312 555 0199 call me"))
    conversation = Conversation.objects.get(channel="sms")
    answering = signed_in(make_staff("cesar", Role.COMMUNICATIONS))

    rows = record_of(answering, conversation)

    body = " ".join(" ".join(row) for row in rows)
    assert PHONE not in body and "555 0199" not in body


def test_a_role_that_does_not_answer_residents_cannot_export():
    reply_of(text("HELP"))
    conversation = Conversation.objects.get(channel="sms")

    response = signed_in(make_staff("mona", Role.MODERATOR)).get(f"/staff/inbox/{conversation.pk}/record.csv")

    assert response.status_code in (302, 403)
