"""One thread per resident across channels (issue 19, item 4): a number's SMS and WhatsApp conversations join
by themselves when the inbox reads them; staff link any two conversations and unlink them, with a record; the
thread page shows every joined message in time order with its channel, and a reply goes out on the channel
the resident last wrote on unless staff choose another."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.assistant.models import AssistantMessage, Conversation, InboxEvent, ResidentThread
from civicloop.assistant.tests.test_inbound_sms import PHONE, SITE, TOKEN
from civicloop.assistant.tests.test_inbox import (
    INBOX,
    OTHER_PHONE,
    make_staff,
    page_text,
    reply_key,
    signed_in,
    sms_conversation,
    twilio,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_MAX_SEGMENTS = 3


@pytest.fixture
def carmen():
    return make_staff("carmen")


@pytest.fixture
def comms(carmen):
    return signed_in(carmen)


def whatsapp_conversation(
    phone: str = PHONE, body: str = "Hola, ¿la piscina está abierta?", minutes: int = 0
):
    """A resident's WhatsApp message (stored as the WhatsApp webhook stores it)."""
    moment = timezone.now() + timedelta(minutes=minutes)
    conversation = Conversation.objects.create(
        channel="whatsapp", phone=phone, language="es", created_at=moment, last_message_at=moment
    )
    AssistantMessage.objects.create(conversation=conversation, direction="in", body=body, created_at=moment)
    return conversation


def social_conversation(handle: str = "ana", body: str = "The pool near me is closed?"):
    moment = timezone.now()
    conversation = Conversation.objects.create(
        channel="facebook",
        remote_account_id=f"fb-{handle}",
        remote_thread_id="post-1",
        remote_handle=handle,
        created_at=moment,
        last_message_at=moment,
    )
    AssistantMessage.objects.create(
        conversation=conversation, direction="in", body=body, remote_id=f"c-{handle}", created_at=moment
    )
    return conversation


def test_an_sms_and_a_whatsapp_conversation_of_one_number_show_as_one_thread_in_time_order(comms):
    sms = sms_conversation(body="Is the pool open?")
    whatsapp = whatsapp_conversation(minutes=1)

    assert page_text(comms.get(INBOX)).count("Joined thread") == 2  # joined as the list shows them
    page = page_text(comms.get(f"{INBOX}{sms.pk}/"))

    sms.refresh_from_db()
    whatsapp.refresh_from_db()
    assert sms.resident_thread_id is not None and sms.resident_thread_id == whatsapp.resident_thread_id
    first, second = page.index("Is the pool open?"), page.index("Hola, ¿la piscina está abierta?")
    assert first < second
    assert "· WhatsApp" in page and "· Text message" in page
    # The same thread from the WhatsApp side.
    assert "Is the pool open?" in page_text(comms.get(f"{INBOX}{whatsapp.pk}/"))


def test_other_numbers_do_not_join(comms):
    sms = sms_conversation()
    whatsapp_conversation(phone=OTHER_PHONE)

    comms.get(INBOX)

    sms.refresh_from_db()
    assert sms.resident_thread_id is None and not ResidentThread.objects.exists()


def test_the_join_costs_no_queries_per_conversation_when_nothing_is_new(comms):
    for n in range(5):
        sms_conversation(phone=f"+1312555{n:04d}")
    comms.get(INBOX)  # the sweep has seen them

    with CaptureQueriesContext(connection) as few:
        comms.get(INBOX)
    for n in range(5, 25):
        sms_conversation(phone=f"+1312555{n:04d}")
    comms.get(INBOX)
    with CaptureQueriesContext(connection) as many:
        comms.get(INBOX)

    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_reply_goes_on_the_channel_the_resident_last_wrote_on_unless_staff_choose(comms, twilio):  # noqa: F811
    sms = sms_conversation(body="Is the pool open?")
    whatsapp = whatsapp_conversation(minutes=-60)  # WhatsApp first, then a text

    page = comms.get(f"{INBOX}{whatsapp.pk}/")

    selected = re.search(r'<option value="(\d+)" selected>Text message', page_text(page))
    assert selected and int(selected.group(1)) == sms.pk
    response = comms.post(
        f"{INBOX}{whatsapp.pk}/reply/",
        {"body": "Yes, until 8 pm.", "idempotency_key": reply_key(page), "via": sms.pk},
    )
    assert response.status_code == 302
    reply = AssistantMessage.objects.get(handled_as="staff")
    assert reply.conversation_id == sms.pk and reply.send_status == "sent"
    assert len(twilio.messages) == 1 and twilio.messages[0]["to"] == PHONE


def test_a_reply_cannot_be_routed_to_another_resident_s_conversation(comms, twilio):  # noqa: F811
    mine = sms_conversation()
    stranger = sms_conversation(phone=OTHER_PHONE, body="Someone else")

    page = comms.get(f"{INBOX}{mine.pk}/")
    response = comms.post(
        f"{INBOX}{mine.pk}/reply/", {"body": "Hi", "idempotency_key": reply_key(page), "via": stranger.pk}
    )

    assert response.status_code == 400
    assert "Choose one of this resident&#x27;s conversations." in page_text(response)
    assert not AssistantMessage.objects.filter(handled_as="staff").exists() and not twilio.messages


def test_staff_link_a_facebook_commenter_to_their_texts_and_unlink_them_with_a_record(comms):
    sms = sms_conversation(body="Is the pool open?")
    facebook = social_conversation()

    assert comms.post(f"{INBOX}{facebook.pk}/link/", {"other": f"#{sms.pk}"}).status_code == 302

    page = page_text(comms.get(f"{INBOX}{facebook.pk}/"))
    assert "Is the pool open?" in page and "The pool near me is closed?" in page
    assert (
        Conversation.objects.filter(pk__in=[sms.pk, facebook.pk]).values("resident_thread").distinct().count()
        == 1
    )

    assert comms.post(f"{INBOX}{facebook.pk}/unlink/").status_code == 302

    page = page_text(comms.get(f"{INBOX}{facebook.pk}/"))
    assert "Is the pool open?" not in page
    assert set(Conversation.objects.values_list("resident_thread_id", flat=True)) == {None}
    kinds = list(InboxEvent.objects.filter(conversation=facebook).values_list("kind", "actor_name"))
    assert kinds == [("linked", "Carmen Staff"), ("unlinked", "Carmen Staff")]
    assert InboxEvent.objects.filter(conversation=sms, kind="unlinked").exists()


def test_unlinking_one_of_three_keeps_the_other_two_together(comms, carmen):
    sms = sms_conversation()
    whatsapp = whatsapp_conversation()
    facebook = social_conversation()
    comms.get(INBOX)  # SMS and WhatsApp join
    comms.post(f"{INBOX}{facebook.pk}/link/", {"other": sms.pk})
    assert Conversation.objects.values("resident_thread").distinct().count() == 1

    comms.post(f"{INBOX}{facebook.pk}/unlink/")

    for conversation in (sms, whatsapp, facebook):
        conversation.refresh_from_db()
    assert sms.resident_thread_id == whatsapp.resident_thread_id is not None
    assert facebook.resident_thread_id is None


def test_linking_a_conversation_to_itself_or_to_none_is_refused(comms):
    sms = sms_conversation()

    comms.post(f"{INBOX}{sms.pk}/link/", {"other": sms.pk})
    comms.post(f"{INBOX}{sms.pk}/link/", {"other": "999999"})

    assert not ResidentThread.objects.exists() and not InboxEvent.objects.exists()


def test_a_role_without_answer_residents_cannot_link_or_unlink():
    sms = sms_conversation()
    facebook = social_conversation()
    client = signed_in(make_staff("dept", Role.DEPARTMENT))

    assert client.post(f"{INBOX}{facebook.pk}/link/", {"other": sms.pk}).status_code == 403
    assert client.post(f"{INBOX}{facebook.pk}/unlink/").status_code == 403
    assert not ResidentThread.objects.exists()


def test_communications_staff_see_only_the_last_digits_of_a_joined_number(comms):
    sms = sms_conversation()
    whatsapp_conversation()

    page = page_text(comms.get(f"{INBOX}{sms.pk}/"))

    assert "•••• 0123" in page and PHONE not in page
