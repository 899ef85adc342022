"""Subscriptions by text: YES / SÍ confirms a phone-only web subscription, ALERTS says what a number gets."""

import pytest

from civicloop.assistant.models import AssistantMessage
from civicloop.assistant.tests.test_inbound_sms import PHONE, reply_of, send_queued_texts, text
from civicloop.delivery.models import Delivery, Message
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.services import subscription_request
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def pending_by_phone(db):
    """A subscription asked for on the web with a mobile number only: pending until confirmed."""
    topics_ensure()
    from civicloop.topics.models import Topic

    return subscription_request(
        email=None,
        phone="(312) 555-0123",
        topics=list(Topic.objects.order_by("position")[:2]),
        areas=[],
        all_areas=True,
        language="en",
        frequency="immediately",
    )


def test_yes_confirms_a_phone_only_subscription_with_a_consent_record(pending_by_phone):
    reply = reply_of(text("Yes!"))

    subscriber = Subscriber.objects.get(pk=pending_by_phone.pk)
    point = ContactPoint.objects.get(kind="sms", value=PHONE)
    consent = ConsentRecord.objects.filter(subscriber=subscriber, action="confirm").get()
    assert subscriber.status == "active" and point.confirmed_at is not None
    assert consent.channel == "sms" and "reply YES to confirm" in consent.text and "[Yes!]" in consent.text
    assert reply.startswith("Confirmed") and "https://city.example.org/preferences/" in reply


def test_si_confirms_in_spanish(pending_by_phone):
    reply = reply_of(text("Sí"))

    assert Subscriber.objects.get(pk=pending_by_phone.pk).status == "active"
    assert ConsentRecord.objects.get(action="confirm").language == "es" and reply


def queue_alert() -> Delivery:
    """An announcement's text to the number, queued: it goes only to confirmed, active subscribers."""
    message = Message.objects.create(kind=Message.Kind.ANNOUNCEMENT, status=Message.Status.SENDING)
    point = ContactPoint.objects.get(kind="sms", value=PHONE)
    return Delivery.objects.create(message=message, contact_point=point, channel="sms", language="en")


def test_once_confirmed_alerts_reach_the_number(pending_by_phone):
    queue_alert()
    before = send_queued_texts()
    reply_of(text("YES"))
    queue_alert()
    after = send_queued_texts()

    assert before == [] and after == [PHONE]


def test_yes_with_nothing_to_confirm_changes_nothing(db):
    reply_of(text("YES"))

    assert not Subscriber.objects.exists()
    assert AssistantMessage.objects.get(direction="in").handled_as != "subscription_confirmed"


def test_alerts_says_what_the_number_gets(pending_by_phone):
    none_yet = reply_of(text("ALERTS"))
    reply_of(text("YES"))
    summary = reply_of(text("alerts"))

    topics = list(pending_by_phone.topics.values_list("name_en", flat=True))
    assert "https://city.example.org/subscribe/" in none_yet
    assert all(name in summary for name in topics) and "all of Chicago" in summary


@pytest.mark.parametrize(
    ("body", "slug"),
    [("SUBSCRIBE parks", "parks-culture"), ("subscribe transit", "streets-transportation"),
     ("ALTA salud", "health"), ("alta vivienda", "housing"), ("Subscribe helth", "health")],
)  # fmt: skip
def test_subscribe_by_text_adds_a_topic_and_confirms_at_once(db, body, slug):
    topics_ensure()

    reply = reply_of(text(body))

    subscriber = Subscriber.objects.get()
    consent = ConsentRecord.objects.filter(subscriber=subscriber).values_list("action", "channel")
    assert subscriber.status == "active" and subscriber.all_areas
    assert list(subscriber.topics.values_list("slug", flat=True)) == [slug]
    assert set(consent) == {("subscribe", "sms"), ("confirm", "sms")}
    assert "https://city.example.org/preferences/" in reply


def test_subscribing_again_adds_topics_and_keeps_the_areas_chosen(pending_by_phone):
    reply_of(text("YES"))
    community_areas_load()
    pending_by_phone.areas.add(CommunityArea.objects.get(number=31))
    Subscriber.objects.filter(pk=pending_by_phone.pk).update(all_areas=False)

    reply_of(text("subscribe budget"))

    subscriber = Subscriber.objects.get(pk=pending_by_phone.pk)
    assert "budget" in subscriber.topics.values_list("slug", flat=True) and not subscriber.all_areas
    assert list(subscriber.areas.values_list("number", flat=True)) == [31]
    assert subscriber.topics.count() == 3 and Subscriber.objects.count() == 1


def test_an_unclear_topic_gets_the_list_of_topics(db):
    topics_ensure()

    reply = reply_of(text("SUBSCRIBE everything please"))

    assert "Which topic?" in reply and "Health" in reply and not Subscriber.objects.exists()
