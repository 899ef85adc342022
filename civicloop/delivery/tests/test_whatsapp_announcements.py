"""Announcements to numbers subscribed on WhatsApp: fanned out to WhatsApp (set-based, as SMS), free text
inside the 24-hour window, an approved "announcement" template in the alert's language outside it, and
nothing at all (never an SMS instead) when there is no such template."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_topic
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery, Message, Suppression, WhatsAppTemplate
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.delivery.whatsapp import ANNOUNCEMENT_TEMPLATE
from civicloop.integrations.tests.fake_twilio import FakeTwilio
from civicloop.subscriptions.models import ContactPoint

pytestmark = pytest.mark.django_db

NUMBER = "+13125550142"
CITY_WHATSAPP = "whatsapp:+13125550100"
SPANISH_SID = "HX" + "e" * 32


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as server:
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID = server.account_sid
        settings.TWILIO_AUTH_TOKEN = server.auth_token
        settings.TWILIO_FROM_NUMBER = "+13125550100"
        settings.TWILIO_WHATSAPP_FROM = CITY_WHATSAPP
        settings.TWILIO_API_BASE = server.url
        yield server


def fan_out(announcement) -> Message:
    message, _created = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    return message


def subscribed_on_whatsapp(*, language: str = "es", wrote_hours_ago: float | None = 1):
    topic = make_topic()
    subscriber = make_subscriber(whatsapp=NUMBER, topics=[topic], language=language)
    if wrote_hours_ago is not None:
        ContactPoint.objects.filter(kind="whatsapp").update(
            last_message_at=timezone.now() - timedelta(hours=wrote_hours_ago)
        )
    return subscriber, topic


def send_everything() -> None:
    for channel in ("whatsapp", "sms", "email"):
        deliveries_send_pending(channel=channel, time_budget=5)


def test_a_whatsapp_subscriber_is_fanned_out_to_on_whatsapp_and_a_text_subscriber_by_sms():
    housing = make_topic()
    make_subscriber(whatsapp=NUMBER, topics=[housing])
    make_subscriber(phone=NUMBER, topics=[housing])  # the same number's own SMS subscription
    make_subscriber(whatsapp="+13125550143", topics=[housing], confirmed=False)
    make_subscriber(whatsapp="+13125550144", topics=[housing])
    Suppression.objects.create(channel="whatsapp", value="+13125550144", reason="opted_out")

    message = fan_out(make_announcement(topics=[housing]))

    sent_to = set(Delivery.objects.filter(message=message).values_list("channel", "contact_point__kind"))
    assert sent_to == {("whatsapp", "whatsapp"), ("sms", "sms")}
    assert Delivery.objects.get(channel="whatsapp").contact_point.value == NUMBER


def test_fan_out_to_whatsapp_is_one_statement_whatever_the_number_of_subscribers(
    django_assert_max_num_queries,
):
    housing = make_topic()
    for number in range(30):
        make_subscriber(whatsapp=f"+1312555{number:04d}", topics=[housing])
    message, _created = announcement_message_ensure(announcement=make_announcement(topics=[housing]))

    with django_assert_max_num_queries(9):
        added = announcement_fan_out(message=message)

    assert added == 30 and set(Delivery.objects.values_list("channel", flat=True)) == {"whatsapp"}


def test_non_urgent_whatsapp_waits_for_the_morning_and_an_alert_goes_at_once(settings):
    settings.SMS_QUIET_HOURS = "00:00-23:59"  # always quiet, whatever time the test runs
    housing = make_topic()
    make_subscriber(email="a@example.org", whatsapp=NUMBER, topics=[housing])

    routine = fan_out(make_announcement(topics=[housing]))
    alert = fan_out(make_announcement(kind=Kind.ALERT, topics=[housing], title="Boil water notice"))

    def moments(message):
        return {d.channel: d.next_attempt_at for d in Delivery.objects.filter(message=message)}

    assert moments(routine)["whatsapp"] > moments(routine)["email"]
    assert moments(alert)["whatsapp"] == moments(alert)["email"]


def test_inside_the_window_the_announcement_goes_as_free_text_fitted_like_a_text(twilio):
    subscribed_on_whatsapp(wrote_hours_ago=2)
    fan_out(make_announcement(title="Street sweeping starts Monday", spanish=None))

    send_everything()

    [sent] = twilio.messages
    assert sent["to"] == "whatsapp:" + NUMBER and sent["from"] == CITY_WHATSAPP
    assert "Street sweeping starts Monday" in sent["body"] and "https://city.example.org/" in sent["body"]
    assert not sent.get("content_sid")
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_outside_the_window_without_an_approved_template_nothing_is_sent_anywhere(twilio):
    subscribed_on_whatsapp(wrote_hours_ago=30)
    WhatsAppTemplate.objects.create(  # English only: a Spanish reader is not sent an English template
        template=ANNOUNCEMENT_TEMPLATE, language="en", content_sid="HX" + "f" * 32, approved=True
    )
    WhatsAppTemplate.objects.create(  # not approved: never used
        template=ANNOUNCEMENT_TEMPLATE, language="es", content_sid=SPANISH_SID, approved=False
    )
    fan_out(make_announcement())

    send_everything()

    failed = Delivery.objects.get()
    assert twilio.messages == []
    assert failed.channel == "whatsapp" and failed.status == Delivery.Status.FAILED
    assert "24 hours" in failed.error and ANNOUNCEMENT_TEMPLATE in failed.error and "(es)" in failed.error
    assert not Suppression.objects.exists()  # the city's missing template, not the number's fault


def test_never_written_to_the_city_counts_as_outside_the_window(twilio):
    subscribed_on_whatsapp(language="en", wrote_hours_ago=None)
    fan_out(make_announcement())

    send_everything()

    assert twilio.messages == [] and Delivery.objects.get().status == Delivery.Status.FAILED


def test_outside_the_window_the_approved_template_in_the_alert_s_language_is_sent(twilio):
    subscribed_on_whatsapp(language="es", wrote_hours_ago=48)
    WhatsAppTemplate.objects.create(
        template=ANNOUNCEMENT_TEMPLATE,
        language="es",
        content_sid=SPANISH_SID,
        variables=["title", "summary", "link"],
        approved=True,
    )
    announcement = make_announcement(spanish=("Nuevo programa de ayuda", "Solicite **ahora**."))

    fan_out(announcement)
    send_everything()

    [sent] = twilio.messages
    assert sent["to"] == "whatsapp:" + NUMBER and sent["content_sid"] == SPANISH_SID and sent["body"] == ""
    values = sent["content_variables"]
    assert values["1"] == "Nuevo programa de ayuda"
    assert values["3"].startswith("https://city.example.org/") and "\n" not in values["2"]
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT and delivery.language == "es"
