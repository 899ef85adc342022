"""Meta's webhook (/webhooks/meta) into the staff inbox: the subscription check, signatures made exactly as
Meta makes them, Page comments, Messenger messages, Instagram comments and messages, retries, edits and
deletions, other Pages, and bodies that are not Meta's."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.tests.factories import make_announcement
from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.delivery.models import SocialPost
from civicloop.integrations.social.meta_events import MAX_BODY_BYTES
from civicloop.integrations.tests.test_meta_events import IG, PAGE, SECRET, signed

pytestmark = pytest.mark.django_db

URL = "/webhooks/meta"
VERIFY_TOKEN = "city-verify-token"
POST = f"{PAGE}_5"


@pytest.fixture(autouse=True)
def _meta(settings: Any) -> None:
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_APP_SECRET = SECRET
    settings.FACEBOOK_PAGE_ID = PAGE
    settings.INSTAGRAM_ACCOUNT_ID = IG


def deliver(payload: dict[str, Any] | bytes, *, signature: str | None = None) -> Any:
    """POST a body as Meta does: the raw bytes, signed over exactly those bytes (unless told otherwise)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": signed(body) if signature is None else signature}
    return Client().post(URL, data=body, content_type="application/json", headers=headers)


def feed(value: dict[str, Any], page: str = PAGE) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [{"id": page, "time": 1765108801, "changes": [{"field": "feed", "value": value}]}],
    }


def comment(
    verb: str = "add",
    *,
    comment_id: str = f"{POST}_77",
    author: str = "9001",
    message: str = "¿Cuándo recogen?",
) -> dict[str, Any]:
    return feed(
        {
            "from": {"id": author, "name": "Ana Pérez"},
            "message": message,
            "post_id": POST,
            "comment_id": comment_id,
            "created_time": int((timezone.now() - timedelta(minutes=3)).timestamp()),
            "item": "comment",
            "parent_id": POST,
            "verb": verb,
        }
    )


def messages(obj: str, account: str, *items: tuple[str, str, str]) -> dict[str, Any]:
    """Messages (sender, mid, text) to the city's Page (obj "page") or Instagram account ("instagram")."""
    now_ms = int(timezone.now().timestamp() * 1000)
    return {
        "object": obj,
        "entry": [
            {
                "id": account,
                "time": now_ms,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": account},
                        "timestamp": now_ms - 1000 + n,
                        "message": {"mid": mid, "text": text},
                    }
                    for n, (sender, mid, text) in enumerate(items)
                ],
            }
        ],
    }


def staff_client() -> Client:
    user = staff_user_ensure(
        username="carmen",
        email="carmen@city.example",
        role=Role.COMMUNICATIONS,
        password="a-long-test-password-1",
        full_name="Carmen Ortiz",
    )
    client = Client()
    client.force_login(user)
    return client


def test_subscription_check_echoes_the_challenge_for_our_token_only(settings: Any) -> None:
    ok = Client().get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert ok.status_code == 200
    assert ok.content == b"1158201444"
    assert ok["Content-Type"].startswith("text/plain")
    wrong = Client().get(URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403
    assert Client().get(URL, {"hub.challenge": "1"}).status_code == 403
    settings.META_VERIFY_TOKEN = ""
    assert (
        Client().get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code
        == 403
    )


def test_forged_or_missing_signatures_store_nothing(settings: Any) -> None:
    body = json.dumps(comment()).encode()
    assert deliver(body, signature="").status_code == 403
    assert deliver(body, signature=signed(body, "a-guessed-secret")).status_code == 403
    assert deliver(body, signature=signed(body + b" ")).status_code == 403
    assert deliver(body, signature="sha1=" + signed(body)[7:]).status_code == 403
    settings.META_APP_SECRET = ""  # unset: nothing is accepted, not even a body signed with the empty key
    assert deliver(body, signature=signed(body, "")).status_code == 403
    assert Conversation.objects.count() == AssistantMessage.objects.count() == 0


def test_a_page_comment_reaches_the_inbox_once_however_often_meta_retries() -> None:
    city_post = SocialPost.objects.create(
        announcement=make_announcement(title="Free trees"),
        network="facebook",
        remote_id=POST,
        status="posted",
    )
    assert deliver(comment()).status_code == 200
    assert deliver(comment()).status_code == 200  # Meta's retry

    [conversation] = Conversation.objects.all()
    assert (conversation.channel, conversation.remote_account_id) == ("facebook", "9001")
    assert (conversation.remote_thread_id, conversation.remote_handle) == (POST, "Ana Pérez")
    assert conversation.city_post == city_post
    [message] = conversation.messages.all()
    assert (message.direction, message.body, message.remote_id) == ("in", "¿Cuándo recogen?", f"{POST}_77")
    assert message.remote_meta == {"kind": "comment", "post_id": POST, "parent_id": POST}
    assert conversation.last_message_at == message.created_at

    # Another resident on the same post has a conversation of their own; Ana's next comment joins hers.
    deliver(comment(comment_id=f"{POST}_78", author="9002"))
    deliver(comment(comment_id=f"{POST}_79", message="Gracias"))
    assert Conversation.objects.count() == 2
    assert conversation.messages.count() == 2


def test_an_edited_comment_shows_its_new_text_and_a_deleted_one_stays_marked() -> None:
    deliver(comment())
    deliver(comment("edited", message="Ya los recogieron, gracias"))
    deliver(comment("edited", message="Ya los recogieron, gracias"))  # retried
    [message] = AssistantMessage.objects.all()
    assert message.body == "Ya los recogieron, gracias"
    assert message.remote_meta["first_text"] == "¿Cuándo recogen?"
    assert message.remote_meta["edited_at"]
    thread = staff_client().get(f"/staff/inbox/{message.conversation_id}/").content.decode()
    assert "Ya los recogieron, gracias" in thread
    assert "Edited by its author" in thread
    assert "Deleted by its author" not in thread

    deliver(comment("remove", message=""))
    message.refresh_from_db()
    assert message.remote_meta["deleted_at"]
    assert message.body == "Ya los recogieron, gracias"  # kept for the record
    assert (
        "Deleted by its author"
        in staff_client().get(f"/staff/inbox/{message.conversation_id}/").content.decode()
    )


def test_a_removal_whose_comment_never_came_keeps_a_late_retry_out() -> None:
    deliver(comment("remove", message=""))
    deliver(comment())  # the "add", delivered late
    [message] = AssistantMessage.objects.all()
    assert message.remote_meta["deleted_at"]
    assert message.body == ""


def test_messenger_messages_are_one_private_conversation_per_resident_apart_from_their_comments() -> None:
    deliver(messages("page", PAGE, ("9001", "m_1", "Hola, ¿me ayudan?")))
    deliver(
        messages("page", PAGE, ("9001", "m_1", "Hola, ¿me ayudan?"), ("9001", "m_2", "Es sobre un bache"))
    )
    deliver(comment())

    private = Conversation.objects.get(remote_thread_id="dm:9001")
    assert (private.channel, private.remote_account_id) == ("facebook", "9001")
    assert list(private.messages.values_list("body", flat=True)) == ["Hola, ¿me ayudan?", "Es sobre un bache"]
    assert {m.remote_meta["kind"] for m in private.messages.all()} == {"message"}
    public = Conversation.objects.get(remote_thread_id=POST)
    assert public.remote_account_id == "9001"
    # The 24-hour window counts from the resident's last message, which is stored with its time.
    last = private.messages.filter(direction="in").latest("created_at")
    assert last.body == "Es sobre un bache"
    assert timezone.now() - last.created_at < timedelta(seconds=30)
    assert private.last_message_at == last.created_at


def test_instagram_comments_and_messages_reach_the_inbox() -> None:
    ig_comment = {
        "object": "instagram",
        "entry": [
            {
                "id": IG,
                "time": int(timezone.now().timestamp()),
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "8300", "username": "lupe.chi"},
                            "media": {"id": "18000000001"},
                            "id": "17900000001",
                            "text": "¿Habrá árboles en Pilsen?",
                        },
                    }
                ],
            }
        ],
    }
    assert deliver(ig_comment).status_code == 200
    assert deliver(messages("instagram", IG, ("8300", "ig_mid_1", "Te escribo por aquí"))).status_code == 200
    assert deliver(ig_comment).status_code == 200

    comment_thread = Conversation.objects.get(channel="instagram", remote_thread_id="18000000001")
    assert comment_thread.remote_handle == "lupe.chi"
    assert comment_thread.messages.get().remote_meta["kind"] == "comment"
    dm = Conversation.objects.get(channel="instagram", remote_thread_id="dm:8300")
    assert dm.messages.get().body == "Te escribo por aquí"
    assert AssistantMessage.objects.count() == 2


def test_events_for_another_page_or_account_are_acknowledged_and_ignored() -> None:
    assert deliver(feed(comment()["entry"][0]["changes"][0]["value"], page="999999")).status_code == 200
    assert deliver(messages("instagram", "555", ("8300", "ig_mid_9", "hi"))).status_code == 200
    assert deliver({"object": "whatsapp_business_account", "entry": []}).status_code == 200
    assert AssistantMessage.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"",
        b'["a list"]',
        b'{"object": "page", "entry": "x"}',
        b'{"object": "page", "entry": [{"id": "' + PAGE.encode() + b'", "changes": {"field": "feed"}}]}',
    ],
)
def test_malformed_or_non_json_bodies_are_400_and_store_nothing(body: bytes) -> None:
    assert deliver(body).status_code == 400
    assert AssistantMessage.objects.count() == 0


def test_an_enormous_body_is_400_and_stores_nothing() -> None:
    payload = comment()
    payload["entry"][0]["changes"][0]["value"]["message"] = "x" * MAX_BODY_BYTES
    assert deliver(payload).status_code == 400
    assert AssistantMessage.objects.count() == 0


def test_the_inbox_lists_meta_conversations_saying_which_are_public_and_which_private() -> None:
    deliver(comment())
    deliver(messages("instagram", IG, ("8300", "ig_mid_1", "Te escribo por aquí")))
    client = staff_client()
    page = client.get("/staff/inbox/").content.decode()
    rows = {row.split("</tr>")[0] for row in page.split("<tr>")[2:]}
    [facebook_row] = [row for row in rows if "Ana Pérez" in row]
    assert "Facebook" in facebook_row and "Public comments" in facebook_row
    [instagram_row] = [row for row in rows if "Te escribo por aquí" in row]
    assert "Instagram" in instagram_row and "Private messages" in instagram_row
    assert "@Ana Pérez" not in page  # a name on Facebook, not a handle
    dm = Conversation.objects.get(remote_thread_id="dm:8300")
    assert "Private message" in client.get(f"/staff/inbox/{dm.pk}/").content.decode()
