"""WhatsApp through Twilio: the same signed webhook as SMS (From=whatsapp:+1…), the same assistant, its own
consent, 311 updates sent back on WhatsApp by its 24-hour rule, and staff replies from the inbox."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.knowledge import faq_import
from civicloop.assistant.tests.test_inbound_sms import PHONE, TOKEN, reply_of, text
from civicloop.assistant.tests.test_inbox import carmen, comms, post_reply, reply_key  # noqa: F401
from civicloop.assistant.tests.test_knowledge import SMALL, demo_entries
from civicloop.delivery.models import Delivery, Suppression, WhatsAppTemplate
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.integrations.tests.fake_twilio import FakeTwilio
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import service_request_status_change
from civicloop.servicerequests.tests.conftest import catalogue  # noqa: F401 (a fixture)
from civicloop.subscriptions.models import ConsentRecord, ContactPoint

pytestmark = pytest.mark.django_db

WHATSAPP = "whatsapp:" + PHONE
CITY_WHATSAPP = "whatsapp:+13125550100"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def twilio(settings):
    with FakeTwilio(auth_token=TOKEN) as server:
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID = server.account_sid
        settings.TWILIO_FROM_NUMBER = "+13125550100"
        settings.TWILIO_WHATSAPP_FROM = CITY_WHATSAPP
        settings.TWILIO_API_BASE = server.url
        yield server


@pytest.fixture
def small_faq(db, monkeypatch):
    from civicloop.moderation import checks

    def unavailable(texts):
        raise OSError("no model on this machine")

    monkeypatch.setattr(checks, "text_embed", unavailable)  # keywords only: fast
    return faq_import(demo_entries(SMALL))


def whatsapp(body: str) -> str:
    return reply_of(text(body, phone=WHATSAPP))


def whatsapp_conversation() -> Conversation:
    return Conversation.objects.get(channel="whatsapp", phone=PHONE)


def test_a_spanish_speaker_on_whatsapp_gets_the_same_answer_as_by_text(small_faq):
    reply = whatsapp("cuando recogen la basura en mi casa")

    assert "basura" in reply and "/assistant/faq/garbage-day-es/" in reply
    conversation = whatsapp_conversation()
    assert conversation.phone == PHONE  # the number, without Twilio's "whatsapp:" prefix
    assert not Conversation.objects.filter(channel="sms").exists()
    assert AssistantMessage.objects.get(direction="in").handled_as == "faq_answer"


def test_stop_on_whatsapp_stops_whatsapp_only_and_stop_by_text_stops_texts_only(small_faq):
    stopped = whatsapp("STOP")
    silent = whatsapp("cuando recogen la basura")
    by_text = reply_of(text("cuando recogen la basura en mi casa"))

    assert "WhatsApp" in stopped and "START" in stopped
    assert "WhatsApp" in silent and "START" in silent  # once, how to start again; no answer
    assert whatsapp("cuando recogen la basura") == ""  # then nothing
    assert Suppression.objects.filter(channel="whatsapp", value=PHONE, reason="opted_out").exists()
    assert not Suppression.objects.filter(channel="sms").exists()
    assert "basura" in by_text  # the number's texts go on

    reply_of(text("STOP"))
    started = whatsapp("START")

    assert "WhatsApp" in started
    assert not Suppression.objects.filter(channel="whatsapp").exists()
    assert Suppression.objects.filter(channel="sms", value=PHONE).exists()  # STOP by text stays


def test_help_on_whatsapp_speaks_of_whatsapp_messages():
    reply = whatsapp("HELP")

    assert "WhatsApp" in reply and "STOP" in reply and "311" in reply


def file_a_pothole_on_whatsapp() -> ServiceRequest:
    replies = [
        whatsapp("hay un bache enorme en la 35 y Halsted"),
        whatsapp("1"),
        whatsapp("omitir"),
        whatsapp("ayer"),
        whatsapp("no"),
    ]
    request = ServiceRequest.objects.get()
    assert request.public_id in replies[-1]
    return request


def test_a_pothole_filed_on_whatsapp_is_followed_on_whatsapp_not_by_sms(catalogue, twilio):  # noqa: F811
    request = file_a_pothole_on_whatsapp()

    assert request.channel == ServiceRequest.Channel.WHATSAPP and request.phone == PHONE
    point = ContactPoint.objects.get(value=PHONE)
    assert point.kind == "whatsapp" and point.last_message_at is not None
    service_request_status_change(request=request, detailed_status="acknowledged")
    delivery = Delivery.objects.get()
    assert delivery.channel == "whatsapp" and delivery.language == "es"

    deliveries_send_pending(channel="whatsapp", time_budget=5)

    [sent] = twilio.messages
    assert sent["to"] == WHATSAPP and sent["from"] == CITY_WHATSAPP
    assert request.public_id in sent["body"]  # free text: within 24 hours of their last message
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_after_24_hours_an_update_needs_an_approved_template(catalogue, twilio):  # noqa: F811
    request = file_a_pothole_on_whatsapp()
    ContactPoint.objects.filter(value=PHONE).update(last_message_at=timezone.now() - timedelta(hours=25))
    service_request_status_change(request=request, detailed_status="acknowledged")

    deliveries_send_pending(channel="whatsapp", time_budget=5)

    failed = Delivery.objects.get()
    assert twilio.messages == []  # nothing sent outside the window without a template
    assert (
        failed.status == Delivery.Status.FAILED and "24 hours" in failed.error and "template" in failed.error
    )
    assert not Suppression.objects.filter(value=PHONE).exists()  # the city's gap, not the number's fault

    content_sid = "HX" + "a" * 32
    WhatsAppTemplate.objects.create(
        template=failed.message.template,
        language="es",
        content_sid=content_sid,
        variables=["public_id", "status_label"],
        approved=True,
    )
    service_request_status_change(request=request, detailed_status="completed", note="Listo.")
    deliveries_send_pending(channel="whatsapp", time_budget=5)

    [sent] = twilio.messages
    assert sent["to"] == WHATSAPP and sent["content_sid"] == content_sid and sent["body"] == ""
    assert sent["content_variables"]["1"] == request.public_id and sent["content_variables"]["2"]


def test_an_unapproved_template_is_never_used(catalogue, twilio):  # noqa: F811
    request = file_a_pothole_on_whatsapp()
    ContactPoint.objects.filter(value=PHONE).update(last_message_at=timezone.now() - timedelta(days=3))
    service_request_status_change(request=request, detailed_status="acknowledged")
    WhatsAppTemplate.objects.create(
        template=Delivery.objects.get().message.template,
        language="es",
        content_sid="HX" + "b" * 32,
        variables=["public_id"],
        approved=False,
    )

    deliveries_send_pending(channel="whatsapp", time_budget=5)

    assert twilio.messages == [] and Delivery.objects.get().status == Delivery.Status.FAILED


def test_staff_reply_on_whatsapp_inside_the_window_and_are_refused_outside_it(comms, twilio):  # noqa: F811
    whatsapp("Hola, necesito ayuda con mi recibo de agua")
    conversation = whatsapp_conversation()
    page = comms.get(f"/staff/inbox/{conversation.pk}/")

    sent = post_reply(comms, conversation, "Hola, le ayudo con gusto.", reply_key(page))

    assert sent.status_code in (200, 302)
    [message] = twilio.messages
    assert message["to"] == WHATSAPP and message["body"] == "Hola, le ayudo con gusto."

    AssistantMessage.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    page = comms.get(f"/staff/inbox/{conversation.pk}/")
    refused = post_reply(comms, conversation, "¿Sigue ahí?", reply_key(page))

    assert "24 hours" in refused.content.decode()
    assert len(twilio.messages) == 1  # nothing more sent
    assert not AssistantMessage.objects.filter(body="¿Sigue ahí?").exists()


def test_consent_is_kept_per_channel_with_the_words_and_where_it_came_from(catalogue, twilio):  # noqa: F811
    file_a_pothole_on_whatsapp()
    subscriber = ContactPoint.objects.get(kind="whatsapp", value=PHONE).subscriber

    stopped = whatsapp("STOP")
    started = whatsapp("START")

    records = list(ConsentRecord.objects.filter(subscriber=subscriber).order_by("id"))
    assert [(record.action, record.channel) for record in records] == [
        ("subscribe", "whatsapp-311"),
        ("unsubscribe", "whatsapp-keyword"),
        ("subscribe", "whatsapp-keyword"),
    ]
    assert records[1].text == stopped and records[2].text == started
    assert records[0].language == "es" and "ESTADO" in records[0].text  # the Spanish words they got
    # a text STOP from the same number is the number's SMS consent, not its WhatsApp one
    reply_of(text("STOP"))
    assert ConsentRecord.objects.filter(channel__startswith="sms").count() == 0  # no SMS subscriber yet


def test_after_24_hours_staff_may_send_only_an_approved_inbox_template(comms, twilio):  # noqa: F811
    whatsapp("Hola, necesito ayuda con mi recibo de agua")
    conversation = whatsapp_conversation()
    AssistantMessage.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    follow_up = WhatsAppTemplate.objects.create(
        template="inbox_follow_up",
        language="en",
        content_sid="HX" + "c" * 32,
        variables=["city"],
        approved=True,
    )
    WhatsAppTemplate.objects.create(  # not approved: never offered, never sent
        template="inbox_other", language="en", content_sid="HX" + "d" * 32, approved=False
    )
    page = comms.get(f"/staff/inbox/{conversation.pk}/")
    text_page = page.content.decode()
    assert "inbox_follow_up" in text_page and "inbox_other" not in text_page

    refused = post_reply(comms, conversation, "¿Sigue ahí?", reply_key(page))
    key = reply_key(comms.get(f"/staff/inbox/{conversation.pk}/"))
    sent = comms.post(
        f"/staff/inbox/{conversation.pk}/reply/",
        {"body": "", "idempotency_key": key, "whatsapp_template": str(follow_up.pk)},
    )

    assert refused.status_code == 400 and sent.status_code == 302
    [message] = twilio.messages
    assert message["to"] == WHATSAPP and message["content_sid"] == follow_up.content_sid
    assert message["content_variables"] == {"1": settings.CITY_NAME}
    stored = AssistantMessage.objects.get(conversation=conversation, sent_by__isnull=False)
    assert "inbox_follow_up" in stored.body and stored.send_status == "sent"
