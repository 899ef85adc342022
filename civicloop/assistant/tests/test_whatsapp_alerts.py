"""Alerts on WhatsApp: SUBSCRIBE / AREA / YES / ALERTS sent on WhatsApp act on the number's WhatsApp
contact point (never its SMS one), with consent recorded for channel whatsapp; STOP there ends them."""

import pytest

from civicloop.assistant.tests.test_inbound_sms import PHONE, TOKEN, reply_of, text
from civicloop.delivery.models import Delivery, Message
from civicloop.delivery.services import deliveries_claim
from civicloop.places.services import community_areas_load
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.services import contact_point_ensure, subscription_request
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

pytestmark = pytest.mark.django_db

WHATSAPP = "whatsapp:" + PHONE


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def topics(db):
    topics_ensure()


def whatsapp(body: str) -> str:
    return reply_of(text(body, phone=WHATSAPP))


def whatsapp_subscriber() -> Subscriber:
    return ContactPoint.objects.get(kind="whatsapp", value=PHONE).subscriber


def test_subscribe_on_whatsapp_subscribes_the_number_s_whatsapp_not_its_texts(topics):
    reply = whatsapp("ALTA parques")

    point = ContactPoint.objects.get(value=PHONE)
    subscriber = point.subscriber
    assert point.kind == "whatsapp" and point.confirmed_at is not None
    assert subscriber.status == "active" and subscriber.language == "es"
    assert list(subscriber.topics.values_list("slug", flat=True)) == ["parks-culture"]
    records = ConsentRecord.objects.filter(subscriber=subscriber).order_by("id")
    assert [(record.action, record.channel) for record in records] == [
        ("subscribe", "whatsapp"),
        ("confirm", "whatsapp"),
    ]
    assert all(record.language == "es" and record.text for record in records)
    assert "[alta parques]" in records[1].text  # the words they sent, quoted
    assert reply.startswith("Alta en Parques") and "https://city.example.org/preferences/" in reply


def test_a_number_subscribed_by_text_and_on_whatsapp_has_two_consents(topics):
    reply_of(text("SUBSCRIBE parks"))
    whatsapp("SUBSCRIBE health")

    by_text = ContactPoint.objects.get(kind="sms", value=PHONE).subscriber
    on_whatsapp = whatsapp_subscriber()
    assert by_text.pk != on_whatsapp.pk
    assert list(by_text.topics.values_list("slug", flat=True)) == ["parks-culture"]
    assert list(on_whatsapp.topics.values_list("slug", flat=True)) == ["health"]
    assert set(by_text.consent_records.values_list("channel", flat=True)) == {"sms"}
    assert set(on_whatsapp.consent_records.values_list("channel", flat=True)) == {"whatsapp"}


def test_alerts_on_whatsapp_says_what_its_whatsapp_gets(topics):
    reply_of(text("SUBSCRIBE parks"))
    none_yet = whatsapp("ALERTS")
    whatsapp("SUBSCRIBE health")
    summary = whatsapp("ALERTS")

    assert "gets no updates yet" in none_yet  # the texts' subscription is not the WhatsApp one
    assert "Health" in summary and "Parks" not in summary
    assert "You get WhatsApp messages about" in summary  # the channel it comes by, not "texts"
    assert "You get texts about" in reply_of(text("ALERTS"))


def test_area_on_whatsapp_narrows_the_whatsapp_alerts_only(topics):
    community_areas_load()
    reply_of(text("SUBSCRIBE parks"))
    whatsapp("SUBSCRIBE parks")

    reply = whatsapp("AREA Hyde Park")

    on_whatsapp = whatsapp_subscriber()
    by_text = ContactPoint.objects.get(kind="sms", value=PHONE).subscriber
    assert "Hyde Park" in reply
    assert not on_whatsapp.all_areas and list(on_whatsapp.areas.values_list("name", flat=True)) == [
        "Hyde Park"
    ]
    assert by_text.all_areas and not by_text.areas.exists()
    change = on_whatsapp.consent_records.get(action="preferences_change")
    assert change.channel == "whatsapp" and "[AREA Hyde Park]" in change.text
    assert not by_text.consent_records.filter(action="preferences_change").exists()


def test_yes_on_whatsapp_confirms_neither_the_texts_nor_a_request_it_only_follows(topics):
    pending = subscription_request(
        email=None,
        phone=PHONE,
        topics=[Topic.objects.get(slug="parks-culture")],
        areas=[],
        all_areas=True,
        language="en",
        frequency="immediately",
    )
    following = contact_point_ensure(kind="whatsapp", value=PHONE, language="en")  # a 311 request's updates

    whatsapp("YES")

    assert Subscriber.objects.get(pk=pending.pk).status == "pending"  # the web asked for texts: YES by text
    assert Subscriber.objects.get(pk=following.subscriber_id).status == "pending"  # it asked for no alerts
    assert not ConsentRecord.objects.filter(action="confirm").exists()


def queue_announcement_to_the_number() -> Message:
    """An announcement queued to the number on both its channels, as a fan-out leaves it."""
    message = Message.objects.create(kind=Message.Kind.ANNOUNCEMENT, status=Message.Status.SENDING)
    for point in ContactPoint.objects.filter(value=PHONE):
        Delivery.objects.create(message=message, contact_point=point, channel=point.kind, language="en")
    return message


def test_stop_on_whatsapp_ends_its_alerts_and_not_the_texts(topics):
    reply_of(text("SUBSCRIBE parks"))
    whatsapp("SUBSCRIBE parks")
    queue_announcement_to_the_number()

    whatsapp("STOP")

    _token, on_whatsapp = deliveries_claim(channel="whatsapp", limit=10)
    _token, by_text = deliveries_claim(channel="sms", limit=10)
    assert on_whatsapp == []  # queued before the STOP: never sent
    assert Delivery.objects.get(channel="whatsapp").status == Delivery.Status.SUPPRESSED
    assert [delivery.channel for delivery in by_text] == ["sms"]
    stop = whatsapp_subscriber().consent_records.get(action="unsubscribe")
    assert stop.channel == "whatsapp-keyword" and "WhatsApp" in stop.text
    assert not ContactPoint.objects.get(kind="sms").subscriber.consent_records.filter(action="unsubscribe")
