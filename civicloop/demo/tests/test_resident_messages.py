"""The demo's page that sends a resident's comment or message as each network would, signed as it signs."""

import pytest
from django.test import Client

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.assistant.models import AssistantMessage, Conversation

pytestmark = pytest.mark.django_db

PAGE = "/staff/demo/resident-message/"


@pytest.fixture(autouse=True)
def _demo_networks(settings):
    settings.DEMO_RESIDENT_MESSAGES = True
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "demo-twilio-token"
    settings.META_APP_SECRET = "demo-meta-secret"
    settings.FACEBOOK_PAGE_ID = "100000000000001"
    settings.INSTAGRAM_ACCOUNT_ID = "17841400000000001"
    settings.X_CONSUMER_SECRET = "demo-x-secret"
    settings.X_USER_ID = "1500000000000000001"
    settings.SMS_QUIET_HOURS = ""


def staff(role: Role = Role.COMMUNICATIONS) -> Client:
    user = staff_user_ensure(
        username=f"demo-{role}", email=f"{role}@city.example", role=role, password="x" * 16, full_name="Demo"
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("kind", "sender", "channel", "public"),
    [
        ("facebook_comment", "Rosa Pérez", "facebook", True),
        ("facebook_message", "Rosa Pérez", "facebook", False),
        ("instagram_comment", "rosa.p", "instagram", True),
        ("instagram_message", "rosa.p", "instagram", False),
        ("x_reply", "rosa_chi", "x", True),
    ],
)
def test_each_network_message_reaches_the_inbox_through_the_signed_webhook(kind, sender, channel, public):
    response = staff().post(PAGE, {"kind": kind, "sender": sender, "text": "¿Cuándo arreglan el bache?"})

    assert response.status_code == 302
    conversation = Conversation.objects.get(channel=channel)
    message = AssistantMessage.objects.get(conversation=conversation)
    assert message.body == "¿Cuándo arreglan el bache?" and message.direction == "in"
    assert conversation.remote_thread_id.startswith("dm:") is not public


def test_a_whatsapp_message_is_answered_by_the_assistant():
    response = staff().post(PAGE, {"kind": "whatsapp", "sender": "(312) 555-0142", "text": "HELP"})

    assert response.status_code == 302
    conversation = Conversation.objects.get(channel="whatsapp", phone="+13125550142")
    replies = AssistantMessage.objects.filter(conversation=conversation, direction="out")
    assert "WhatsApp" in replies.get().body


def test_a_number_that_is_not_one_is_a_form_error():
    response = staff().post(PAGE, {"kind": "sms", "sender": "not a number", "text": "hola"})

    assert response.status_code == 400 and "valid mobile number" in response.content.decode()
    assert not Conversation.objects.exists()


def test_outside_the_demo_the_page_does_not_exist(settings):
    settings.DEMO_RESIDENT_MESSAGES = False

    assert staff().get(PAGE).status_code == 404


def test_a_role_that_does_not_answer_residents_is_refused():
    response = staff(Role.MODERATOR).get(PAGE)

    assert response.status_code in (302, 403)


def test_in_the_demo_staff_answer_a_comment_and_a_message_and_the_replies_are_written_to_files(
    settings, tmp_path
):
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.assistant.tests.test_inbox import post_reply, reply_key

    settings.SOCIAL_FILE_DIR = str(tmp_path)
    client = staff()
    client.post(
        PAGE, {"kind": "facebook_comment", "sender": "Rosa Pérez", "text": "¿Y el bache de mi cuadra?"}
    )
    client.post(PAGE, {"kind": "instagram_message", "sender": "rosa.p", "text": "Hola, ¿me ayudan?"})
    comment = Conversation.objects.get(channel="facebook")
    message = Conversation.objects.get(channel="instagram")

    public = post_reply(
        client, comment, "Gracias, lo revisamos hoy.", reply_key(client.get(f"/staff/inbox/{comment.pk}/"))
    )
    private = post_reply(
        client, message, "Claro, dígame.", reply_key(client.get(f"/staff/inbox/{message.pk}/"))
    )

    assert public.status_code == 302 and private.status_code == 302
    written = sorted(path.name for path in tmp_path.glob("*-reply-*.json"))
    assert len(written) == 2 and written[0].startswith("facebook-") and written[1].startswith("instagram-")
    AssistantMessage.objects.filter(conversation=message, direction="in").update(
        created_at=timezone.now() - timedelta(days=8)
    )
    refused = post_reply(client, message, "¿Sigue ahí?", reply_key(client.get(f"/staff/inbox/{message.pk}/")))
    assert refused.status_code == 400 and "7 days" in refused.content.decode()
    assert len(list(tmp_path.glob("*-reply-*.json"))) == 2  # nothing more written
