"""The issue's 'done when': staff publish an urgent alert; the worker delivers it everywhere, once."""

import pytest
from django.core.management import call_command

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.tests.factories import make_topic
from civicloop.delivery.models import Delivery, SocialPost
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.delivery.tests.smtp_sink import smtp_sink
from civicloop.integrations.tests.fake_mastodon import FakeMastodon
from civicloop.integrations.tests.fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def providers(settings):
    with smtp_sink() as (sink, port), FakeTwilio() as twilio, FakeMastodon() as mastodon:
        settings.SITE_URL = "https://city.example.org"
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = twilio.account_sid, twilio.auth_token
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_BASE = "+13125550100", twilio.url
        settings.MASTODON_BASE_URL, settings.MASTODON_ACCESS_TOKEN = mastodon.url, mastodon.access_token
        yield sink, twilio, mastodon


def test_an_urgent_alert_reaches_every_subscriber_once_in_their_language(client, providers):
    sink, twilio, mastodon = providers
    housing, parks = make_topic(), make_topic("parks-culture", "Parks", "Parques")
    make_subscriber(email="ana@example.org", phone="+13125550111", topics=[parks], language="es")
    make_subscriber(email="bob@example.org", phone="+13125550112", topics=[housing], frequency="weekly")
    make_subscriber(email="pending@example.org", topics=[housing], status="pending")
    staff = staff_user_ensure(
        username="carmen",
        email="c@example.org",
        role=Role.COMMUNICATIONS,
        password="pw-long-enough-1",
        full_name="Carmen O",
    )
    client.force_login(staff)

    client.post(
        "/staff/announcements/new/",
        {
            "kind": "alert", "topics": [housing.pk], "is_citywide": "on", "post_to_social": "on",
            "title_en": "Boil water advisory", "summary_en": "Boil tap water for one minute.",
            "body_en": "Boil tap water before drinking.",
            "title_es": "Aviso de hervir el agua", "summary_es": "Hierva el agua un minuto.",
            "body_es": "Hierva el agua antes de tomarla.", "action": "publish",
        },
    )  # fmt: skip
    call_command("worker", batch=True)

    assert {m["To"] for m in sink.messages} == {"ana@example.org", "bob@example.org"}
    (spanish_email,) = sink.to("ana@example.org")
    assert spanish_email["Subject"] == "Alerta: Aviso de hervir el agua"
    texts = {m["to"]: m["body"] for m in twilio.messages}
    assert set(texts) == {"+13125550111", "+13125550112"}
    assert texts["+13125550111"].startswith("ALERTA: Aviso de hervir el agua")
    assert "https://city.example.org/announcements/boil-water-advisory/" in texts["+13125550112"]
    assert len(mastodon.statuses) == 1
    assert SocialPost.objects.get().status == SocialPost.Status.POSTED
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}

    # publishing again, or a second worker run, sends nothing more
    call_command("worker", batch=True)
    assert len(sink.messages) == 2 and twilio.message_count == 2 and len(mastodon.statuses) == 1
