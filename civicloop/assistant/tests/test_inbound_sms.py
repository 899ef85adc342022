"""Texts in through Twilio's webhook, signed with Twilio's own library: storage, retries, compliance."""

import logging
import re
from itertools import count
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.delivery.services import SendOutcome
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.tests.factories import ContactPointFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

TOKEN = "twilio-auth-token-for-tests-0123"
SITE = "https://city.example.org"
PATH = "/sms/twilio/inbound"
PHONE = "+13125550123"
CITY_NUMBER = "+13125550100"
_sids = count(1)


@pytest.fixture(autouse=True)
def _twilio_settings(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_QUIET_HOURS = ""


def inbound_params(body: str, *, sid: str | None = None, phone: str = PHONE, **extra: str) -> dict[str, str]:
    """The fields Twilio posts for an incoming message."""
    return {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": phone,
        "To": CITY_NUMBER,
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "NumMedia": "0",
        "NumSegments": "1",
        **extra,
    }


def text(body: str, *, token: str = TOKEN, signature: str | None = None, **params: str):
    """POST a text as Twilio does; the signature is made by Twilio's library unless given."""
    fields = inbound_params(body, **params)
    if signature is None:
        signature = RequestValidator(token).compute_signature(SITE + PATH, fields)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return Client().post(
        PATH, data=urlencode(fields), content_type="application/x-www-form-urlencoded", headers=headers
    )


def reply_of(response) -> str:
    """The text of the TwiML reply ("" when the response sends nothing)."""
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text or "" if messages else ""


def sms_contact_point(phone: str = PHONE) -> ContactPoint:
    return ContactPoint.objects.filter(kind="sms", value=phone).first() or ContactPointFactory.create(
        subscriber=SubscriberFactory.create(active=True),
        kind=ContactPoint.Kind.SMS,
        value=phone,
        confirmed_at=timezone.now(),
    )


def queue_update(phone: str = PHONE) -> Delivery:
    """A 311 update queued by text for `phone`, as the delivery engine queues one."""
    message = Message.objects.create(
        kind=Message.Kind.NOTIFICATION, status=Message.Status.SENDING, template="request_status_changed"
    )
    return Delivery.objects.create(
        message=message, contact_point=sms_contact_point(phone), channel="sms", language="en"
    )


def send_queued_texts() -> list[str]:
    """Run the real send loop; the numbers handed to the provider are what reaches a phone."""
    reached: list[str] = []

    def provider(batch: list[Delivery]) -> list[SendOutcome]:
        reached.extend(delivery.contact_point.value for delivery in batch)
        return [
            SendOutcome(delivery_id=delivery.pk, provider_message_id=f"SMout{delivery.pk}")
            for delivery in batch
        ]

    deliveries_send_pending(channel="sms", sender=provider, time_budget=5)
    return reached


# --------------------------------------------------------------------------------------- the webhook


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_an_unsigned_or_forged_text_is_refused_and_nothing_is_stored(signature):
    response = text("Hello", signature=signature)

    assert response.status_code == 403
    assert not Conversation.objects.exists() and not AssistantMessage.objects.exists()


def test_a_text_signed_with_another_token_is_refused():
    assert text("STOP", token="someone-elses-token-000000000000").status_code == 403
    assert not Suppression.objects.exists()


def test_a_text_and_its_reply_are_stored_in_the_number_s_conversation():
    reply = reply_of(text("Hello"))
    reply_of(text("Hello again"))

    conversation = Conversation.objects.get()
    messages = list(conversation.messages.values_list("direction", "body"))
    assert conversation.phone == PHONE and reply
    assert messages == [("in", "Hello"), ("out", reply), ("in", "Hello again"), ("out", reply)]


def test_the_same_message_sid_twice_acts_once_and_gets_the_same_reply():
    first = reply_of(text("STOP", sid="SM" + "7" * 32))
    again = reply_of(text("STOP", sid="SM" + "7" * 32))

    assert first and again == first
    assert AssistantMessage.objects.filter(direction="in").count() == 1
    assert AssistantMessage.objects.filter(direction="out").count() == 1


@pytest.mark.parametrize(
    "body", ["", "🙂🙂🙂", "x" * 1700, "?!", "ñandú " * 300, "<Response><Message>hi</Message></Response>"]
)
def test_odd_texts_get_a_short_reply_within_the_segment_budget(body, settings):
    from civicloop.core.sms import sms_segments

    settings.SMS_MAX_SEGMENTS = 2
    reply = reply_of(text(body))

    stored = AssistantMessage.objects.get(direction="in")
    assert reply and sms_segments(reply).segments <= 2
    assert len(stored.body) <= 1600


def test_a_picture_with_no_text_is_stored_with_its_media():
    reply = reply_of(
        text("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1", MediaContentType0="image/jpeg")
    )

    stored = AssistantMessage.objects.get(direction="in")
    assert reply and stored.media == [
        {"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}
    ]


def test_a_webhook_without_a_phone_number_gets_an_empty_reply_and_stores_nothing():
    assert reply_of(text("Hello", phone="not a number")) == ""
    assert not AssistantMessage.objects.exists()


def test_numbers_never_reach_the_log(caplog):
    caplog.set_level(logging.DEBUG)

    text("STOP")
    text("HELP")
    text("Hello", signature="forged")
    text("hi", phone="garbage-number")

    digits = PHONE.lstrip("+")
    assert caplog.records and all(digits[-7:] not in record.getMessage() for record in caplog.records)


# ------------------------------------------------------------------------------------------ compliance


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop! ", "STOP.", "stop 🛑", "STOPALL", "Unsubscribe", "cancel", "END", "quit", "REVOKE",
     "optout", "PARAR", "baja", "Cancelar"],
)  # fmt: skip
def test_opt_out_keywords_suppress_the_number_and_confirm_once(body):
    confirmation = reply_of(text(body))
    again = reply_of(text(body))

    assert Suppression.objects.filter(channel="sms", value=PHONE, reason="opted_out").exists()
    assert "START" in confirmation and again == ""
    assert Conversation.objects.get().opted_out_at is not None


def test_a_spanish_stop_is_confirmed_in_spanish():
    assert "Ciudad de Chicago" in reply_of(text("PARAR"))


@pytest.mark.parametrize(
    "body",
    ["stop texting me please", "Please stop sending me these messages", "no more texts", "don't text me",
     "Remove me from this list", "unsubscribe me", "please stop", "Stop it!", "leave me alone",
     "ya no me manden mensajes", "No me envíen más mensajes", "dejen de enviarme cosas", "quiero darme de baja",
     "no quiero recibir mas mensajes"],
)  # fmt: skip
def test_revocations_in_plain_words_are_honoured(body):
    confirmation = reply_of(text(body))

    assert Suppression.objects.filter(channel="sms", value=PHONE, reason="opted_out").exists()
    assert "START" in confirmation


@pytest.mark.parametrize(
    "body",
    ["The stop sign at 35th and Halsted is down", "bus stop shelter broken", "when does street cleaning end?",
     "cancel my pothole request 2026-00123", "hay ratas en mi callejón", "no quiero ratas en mi callejon",
     "the light won't stop flickering"],
)  # fmt: skip
def test_reports_that_merely_contain_a_keyword_do_not_opt_out(body):
    reply_of(text(body))

    assert not Suppression.objects.exists() and Conversation.objects.get().opted_out_at is None


def test_after_stop_nothing_queued_or_new_reaches_the_number_and_start_brings_texts_back():
    queued_before = queue_update()
    reply_of(text("STOP"))
    queued_after = queue_update()

    reached_while_out = send_queued_texts()
    welcome_back = reply_of(text("START"))
    queue_update()
    reached_after_start = send_queued_texts()

    queued_before.refresh_from_db()
    queued_after.refresh_from_db()
    assert reached_while_out == [] and queued_before.status == queued_after.status == "suppressed"
    assert "HELP" in welcome_back and "STOP" in welcome_back
    assert reached_after_start == [PHONE] and not Suppression.objects.exists()


def test_an_opted_out_number_that_texts_again_gets_one_sentence_on_how_to_start():
    reply_of(text("STOP"))

    first = reply_of(text("Is the beach open?"))
    second = reply_of(text("Hello??"))
    help_while_out = reply_of(text("HELP"))

    assert "START" in first and second == "" and help_while_out == ""


def test_start_or_yes_from_a_number_that_never_stopped_is_not_an_opt_in():
    reply_of(text("YES"))

    assert AssistantMessage.objects.get(direction="in").handled_as != "opt_in"


@pytest.mark.parametrize(("body", "language"), [("HELP", "en"), ("info", "en"), ("AYUDA", "es")])
def test_help_answers_as_ctia_asks(body, language):
    reply = reply_of(text(body))

    expected = (
        ["311", "Msg & data rates may apply", "STOP", "frequency"] if language == "en" else ["311", "STOP"]
    )
    assert all(part in reply for part in expected), reply
    assert SITE in reply
    assert not re.search(r"\+1\d{10}", reply)
