"""Meta's webhook bodies and signatures, made as Meta makes them (HMAC-SHA256 of the raw bytes, hex)."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from civicloop.integrations.social.meta_events import (
    MAX_BODY_BYTES,
    MetaEventsInvalid,
    meta_events_parse,
    meta_signature_valid,
    meta_subscription_challenge,
)

SECRET = "meta-app-secret"
PAGE = "101010101"
IG = "17841400000000001"


def signed(body: bytes, secret: str = SECRET) -> str:
    """Exactly as Meta signs: sha256= and the hex HMAC-SHA256 of the raw body, keyed with the app secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def page_comment(
    verb: str = "add", *, comment_id: str = f"{PAGE}_5_77", author: str = "9001", **more: Any
) -> bytes:
    value = {
        "from": {"id": author, "name": "Ana Pérez"},
        "post": {"status_type": "added_photos", "is_published": True},
        "message": "¿Cuándo recogen los árboles?",
        "post_id": f"{PAGE}_5",
        "comment_id": comment_id,
        "created_time": 1765108800,
        "item": "comment",
        "parent_id": f"{PAGE}_5",
        "verb": verb,
        **more,
    }
    body = {
        "object": "page",
        "entry": [{"id": PAGE, "time": 1765108801, "changes": [{"field": "feed", "value": value}]}],
    }
    return json.dumps(body).encode()


def parse(body: bytes) -> Any:
    return meta_events_parse(body, page_id=PAGE, instagram_account_id=IG)


def test_signature_is_the_hex_hmac_of_the_raw_body() -> None:
    body = page_comment()
    assert meta_signature_valid(body, signed(body), app_secret=SECRET)
    # The same JSON re-serialised is other bytes: Meta signed the bytes it sent.
    reformatted = json.dumps(json.loads(body), indent=1).encode()
    assert not meta_signature_valid(reformatted, signed(body), app_secret=SECRET)
    assert not meta_signature_valid(body, signed(body, "another-secret"), app_secret=SECRET)
    assert not meta_signature_valid(body, signed(body).removeprefix("sha256="), app_secret=SECRET)
    assert not meta_signature_valid(body, "", app_secret=SECRET)
    # No secret configured: nothing is ever valid, not even a body "signed" with the empty key.
    assert not meta_signature_valid(body, signed(body, ""), app_secret="")


def test_subscription_check_answers_the_challenge_only_for_our_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "our-token", "hub.challenge": "1158201444"}
    assert meta_subscription_challenge(params, verify_token="our-token") == "1158201444"
    assert (
        meta_subscription_challenge({**params, "hub.verify_token": "theirs"}, verify_token="our-token")
        is None
    )
    assert (
        meta_subscription_challenge({**params, "hub.mode": "unsubscribe"}, verify_token="our-token") is None
    )
    assert meta_subscription_challenge({**params, "hub.verify_token": ""}, verify_token="") is None


def test_a_page_comment_and_its_edit_and_removal() -> None:
    [added] = parse(page_comment()).events
    assert (added.network, added.kind, added.verb) == ("facebook", "comment", "add")
    assert added.remote_id == f"{PAGE}_5_77"
    assert (added.author_id, added.author_name) == ("9001", "Ana Pérez")
    assert added.text == "¿Cuándo recogen los árboles?"
    assert (added.post_id, added.parent_id) == (f"{PAGE}_5", f"{PAGE}_5")
    assert added.created_at == datetime(2025, 12, 7, 12, 0, tzinfo=UTC)
    [edited] = parse(page_comment("edited", message="Ya los recogieron, gracias")).events
    assert (edited.verb, edited.text) == ("edited", "Ya los recogieron, gracias")
    [removed] = parse(page_comment("remove")).events
    assert removed.verb == "remove"


def test_the_pages_own_comments_likes_and_other_pages_are_ignored() -> None:
    assert parse(page_comment(author=PAGE)).events == []
    assert parse(page_comment(item="reaction")).events == []
    other_page = json.loads(page_comment())
    other_page["entry"][0]["id"] = "999"
    found = parse(json.dumps(other_page).encode())
    assert (found.events, found.ignored) == ([], 1)
    # Unconfigured: no Page is the city's.
    assert meta_events_parse(page_comment(), page_id="", instagram_account_id="").events == []


def messaging_body(obj: str, account: str, *items: dict[str, Any]) -> bytes:
    return json.dumps(
        {"object": obj, "entry": [{"id": account, "time": 1765108800123, "messaging": list(items)}]}
    ).encode()


def test_messenger_and_instagram_messages_and_echoes() -> None:
    message = {
        "sender": {"id": "6100"},
        "recipient": {"id": PAGE},
        "timestamp": 1765108800123,
        "message": {"mid": "m_AbC", "text": "Hola, tengo una pregunta"},
    }
    echo = {
        "sender": {"id": PAGE},
        "recipient": {"id": "6100"},
        "timestamp": 1765108800999,
        "message": {"mid": "m_Echo", "text": "Hi!", "is_echo": True},
    }
    read = {"sender": {"id": "6100"}, "recipient": {"id": PAGE}, "read": {"watermark": 1765108800000}}
    found = parse(messaging_body("page", PAGE, message, echo, read))
    [event] = found.events
    assert found.ignored == 2
    assert (event.network, event.kind, event.verb, event.remote_id) == ("facebook", "message", "add", "m_AbC")
    assert (event.author_id, event.text, event.post_id) == ("6100", "Hola, tengo una pregunta", "")
    assert event.created_at == datetime(2025, 12, 7, 12, 0, 0, 123000, tzinfo=UTC)

    photo = {
        "sender": {"id": "7200"},
        "recipient": {"id": IG},
        "timestamp": 1765108800123,
        "message": {
            "mid": "ig_m1",
            "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/1.jpg"}}],
        },
    }
    unsent = {
        "sender": {"id": "7200"},
        "recipient": {"id": IG},
        "timestamp": 1765108900123,
        "message": {"mid": "ig_m0", "is_deleted": True},
    }
    [ig_message, ig_unsent] = parse(messaging_body("instagram", IG, photo, unsent)).events
    assert (ig_message.network, ig_message.kind, ig_message.media) == (
        "instagram",
        "message",
        (("https://cdn.example/1.jpg", "image"),),
    )
    assert (ig_unsent.verb, ig_unsent.remote_id) == ("remove", "ig_m0")
    # Instagram messages to another account are not the city's.
    assert parse(messaging_body("instagram", "555", photo)).events == []


def test_an_instagram_comment_and_a_reply_to_it() -> None:
    body = {
        "object": "instagram",
        "entry": [
            {
                "id": IG,
                "time": 1765108800,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "8300", "username": "lupe.chi"},
                            "media": {"id": "18000000001", "media_product_type": "FEED"},
                            "id": "17900000001",
                            "text": "Love it",
                        },
                    },
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": IG, "username": "chicago"},
                            "media": {"id": "18000000001"},
                            "id": "17900000002",
                            "text": "Thanks!",
                        },
                    },
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "8300", "username": "lupe.chi"},
                            "media": {"id": "18000000001"},
                            "id": "17900000003",
                            "parent_id": "17900000002",
                            "text": "😊",
                        },
                    },
                    {"field": "mentions", "value": {"media_id": "1", "comment_id": "2"}},
                ],
            }
        ],
    }
    found = parse(json.dumps(body).encode())
    first, reply = found.events
    assert found.ignored == 2  # the city's own reply, and a mention change
    assert (first.network, first.kind, first.remote_id, first.author_name) == (
        "instagram",
        "comment",
        "17900000001",
        "lupe.chi",
    )
    assert (first.post_id, first.parent_id) == ("18000000001", "18000000001")
    assert first.created_at == datetime(2025, 12, 7, 12, 0, tzinfo=UTC)
    assert (reply.parent_id, reply.text) == ("17900000002", "😊")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"object=page&entry=1",
        b"\xff\xfe not utf-8",
        b"[]",
        b'{"entry": []}',
        b'{"object": "page", "entry": {"id": "1"}}',
        b'{"object": "page", "entry": ["x"]}',
        b'{"object": "page", "entry": [{"id": "101010101", "changes": "feed"}]}',
        b'{"object": "page", "entry": [{"id": "101010101", "messaging": {"sender": 1}}]}',
        b" " * (MAX_BODY_BYTES + 1),
    ],
)
def test_bodies_that_are_not_meta_webhook_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(MetaEventsInvalid):
        parse(body)
