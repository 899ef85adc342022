"""A number subscribed on the web with no email is texted once, asking for YES; the reply confirms it."""

import pytest
from django.test import Client

from civicloop.assistant.services.confirmation import phone_confirmation_send
from civicloop.assistant.tests.test_inbound_sms import PHONE, reply_of, send_queued_texts, text
from civicloop.delivery.models import Delivery, Suppression
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import sms_confirmation_text
from civicloop.subscriptions.services import subscription_request
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


def subscribe_on_the_web(capture, *, email: str | None = None, language: str = "en") -> Subscriber:
    topics_ensure()
    with capture(execute=True):
        return subscription_request(
            email=email,
            phone="(312) 555-0123",
            topics=list(Topic.objects.order_by("position")[:1]),
            areas=[],
            all_areas=True,
            language=language,
            frequency="immediately",
        )


def confirmation_texts() -> list[Delivery]:
    return list(Delivery.objects.filter(message__template="subscription_confirm"))


def test_a_phone_only_web_subscription_is_texted_once_and_yes_confirms_it(django_capture_on_commit_callbacks):
    subscriber = subscribe_on_the_web(django_capture_on_commit_callbacks)
    (delivery,) = confirmation_texts()
    reached = send_queued_texts()
    reply = reply_of(text("YES"))

    subscriber.refresh_from_db()
    consent = ConsentRecord.objects.get(subscriber=subscriber, action="confirm")
    assert delivery.contact_point.value == PHONE and delivery.message.context["text"].count("YES") == 1
    assert (
        "STOP" in delivery.message.context["text"] and "rates may apply" in delivery.message.context["text"]
    )
    assert reached == [PHONE]
    assert subscriber.status == "active" and reply.startswith("Confirmed")
    assert consent.channel == "sms" and sms_confirmation_text(language="en") in consent.text


def test_asking_again_the_same_day_sends_no_second_text(django_capture_on_commit_callbacks):
    subscribe_on_the_web(django_capture_on_commit_callbacks)
    subscribe_on_the_web(django_capture_on_commit_callbacks)

    assert len(confirmation_texts()) == 1


def test_in_spanish_the_text_asks_for_si(django_capture_on_commit_callbacks):
    subscribe_on_the_web(django_capture_on_commit_callbacks, language="es")

    (delivery,) = confirmation_texts()
    assert "SI" in delivery.message.context["text"] and delivery.language == "es"


def test_with_an_email_the_email_confirms_and_no_text_is_sent(django_capture_on_commit_callbacks, mailoutbox):
    subscribe_on_the_web(django_capture_on_commit_callbacks, email="ana@example.org")

    assert confirmation_texts() == [] and len(mailoutbox) == 1


def test_an_opted_out_number_gets_no_confirmation_text(django_capture_on_commit_callbacks):
    Suppression.objects.create(channel="sms", value=PHONE, reason="opted_out")
    subscribe_on_the_web(django_capture_on_commit_callbacks)

    assert send_queued_texts() == []


def test_a_confirmed_number_is_not_asked_again(django_capture_on_commit_callbacks):
    subscriber = subscribe_on_the_web(django_capture_on_commit_callbacks)
    send_queued_texts()
    reply_of(text("YES"))
    point = ContactPoint.objects.get(subscriber=subscriber, kind="sms")

    assert phone_confirmation_send(contact_point_id=point.pk) is None


def test_the_web_form_with_only_a_phone_number_queues_the_text(django_capture_on_commit_callbacks):
    topics_ensure()
    topic = Topic.objects.order_by("position")[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/subscribe/",
            {
                "phone": "312-555-0123",
                "topics": [topic.pk],
                "all_areas": "on",
                "language": "en",
                "frequency": "immediately",
                "consent": "on",
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(confirmation_texts()) == 1
