"""Staff replies from the inbox to Facebook, Instagram and X residents, by each network's rules, against the
local Graph and X servers: messages within 24 hours, then with the HUMAN_AGENT tag until 7 days, then none;
one private reply per comment within 7 days; no reply to a deleted comment; X's weighted length. A refused
reply stores and sends nothing; a form posted twice, or retried after a 429, sends once."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.accounts.services import staff_user_ensure
from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.inbox import InboxReplyFailed, InboxReplyRefused, inbox_reply
from civicloop.assistant.services.meta_inbox import meta_events_store
from civicloop.integrations.social.meta_events import ADD, COMMENT, MESSAGE, REMOVE, MetaEvent
from civicloop.integrations.tests.fake_meta import FakeMeta
from civicloop.integrations.tests.fake_x import FakeX

pytestmark = pytest.mark.django_db

RESIDENT = "9001"
POST = "104000000000001_555"


@pytest.fixture
def meta(settings: Any) -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        settings.META_GRAPH_URL = server.graph_url
        settings.FACEBOOK_PAGE_ID = server.page_id
        settings.FACEBOOK_PAGE_ACCESS_TOKEN = server.page_access_token
        settings.INSTAGRAM_ACCOUNT_ID = server.instagram_id
        yield server


@pytest.fixture
def x(settings: Any) -> Iterator[FakeX]:
    with FakeX() as server:
        settings.X_API_URL = server.url
        settings.X_ACCESS_TOKEN = server.access_token
        settings.X_USER_ID = server.user_id
        yield server


@pytest.fixture
def carmen() -> User:
    return staff_user_ensure(
        username="carmen",
        email="carmen@city.example",
        role=Role.COMMUNICATIONS,
        password="a-long-test-password-1",
        full_name="Carmen Ortiz",
    )


def resident_comments(
    meta: FakeMeta, *, ago: timedelta = timedelta(minutes=3), comment_id: str = "c77"
) -> int:
    """A resident's comment on the city's Page post, stored by the webhook and known to Graph."""
    written = timezone.now() - ago
    meta.add_comment(comment_id, author_id=RESIDENT, created_time=written)
    event = MetaEvent("facebook", COMMENT, ADD, comment_id, RESIDENT, "Ana", "¿Cuándo?", written, POST, POST)
    meta_events_store([event])
    return Conversation.objects.get(remote_thread_id=POST).pk


def resident_messages(meta: FakeMeta, *, ago: timedelta, network: str = "facebook") -> int:
    """A resident's private message, stored by the webhook; Graph counts its windows from it."""
    written = timezone.now() - ago
    meta.resident_wrote(RESIDENT, written)
    meta_events_store([MetaEvent(network, MESSAGE, ADD, "m_1", RESIDENT, "", "Hola", written)])
    return Conversation.objects.get(remote_thread_id=f"dm:{RESIDENT}", channel=network).pk


def reply(conversation_id: int, staff: User, key: str = "k" * 20, body: str = "On it.", **kwargs: Any) -> Any:
    return inbox_reply(conversation_id=conversation_id, staff=staff, body=body, idempotency_key=key, **kwargs)


def stored_replies() -> int:
    return AssistantMessage.objects.filter(direction=AssistantMessage.Direction.OUT).count()


def test_a_comment_is_answered_publicly_under_it_once_per_form(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_comments(meta)
    first = reply(conversation, carmen)
    again = reply(conversation, carmen)  # the same form posted twice
    assert again.repeated and again.message.pk == first.message.pk
    assert [(r.comment_id, r.message) for r in meta.replies] == [("c77", "On it.")]
    assert first.message.send_status == AssistantMessage.SendStatus.SENT
    assert first.message.remote_id == meta.replies[0].id
    assert meta.messages == []


def test_a_429_fails_for_retry_and_the_same_form_later_posts_once(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_comments(meta)
    meta.fail_next("rate_limit", path="/v21.0/c77/comments")
    with pytest.raises(InboxReplyFailed) as failed:
        reply(conversation, carmen)
    assert failed.value.retry and meta.replies == []
    reply(conversation, carmen)
    reply(conversation, carmen)
    assert len(meta.replies) == 1


@pytest.mark.parametrize(
    ("ago", "tag"),
    [(timedelta(hours=23), ("RESPONSE", "")), (timedelta(days=6, hours=23), ("MESSAGE_TAG", "HUMAN_AGENT"))],
)
def test_messages_go_plain_within_24_hours_and_tagged_until_7_days(
    meta: FakeMeta, carmen: User, ago: timedelta, tag: tuple[str, str]
) -> None:
    conversation = resident_messages(meta, ago=ago)
    sent = reply(conversation, carmen)
    assert [(out.recipient, (out.messaging_type, out.tag)) for out in meta.messages] == [
        ({"id": RESIDENT}, tag)
    ]
    assert sent.message.send_status == AssistantMessage.SendStatus.SENT


@pytest.mark.parametrize("network", ["facebook", "instagram"])
def test_a_message_after_7_days_is_refused_and_nothing_is_stored_or_sent(
    meta: FakeMeta, carmen: User, network: str
) -> None:
    conversation = resident_messages(meta, ago=timedelta(days=7, minutes=1), network=network)
    with pytest.raises(InboxReplyRefused, match="7 days"):
        reply(conversation, carmen)
    assert stored_replies() == 0 and meta.messages == []


def test_a_comment_gets_one_private_reply_to_its_author(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_comments(meta)
    reply(conversation, carmen, privately=True, body="Your address?")
    assert [(out.recipient, out.text) for out in meta.messages] == [({"comment_id": "c77"}, "Your address?")]
    assert meta.replies == []
    with pytest.raises(InboxReplyRefused, match="one private reply"):
        reply(conversation, carmen, key="m" * 20, privately=True)
    assert stored_replies() == 1 and len(meta.messages) == 1
    reply(conversation, carmen, key="p" * 20)  # publicly, still
    assert len(meta.replies) == 1


def test_a_private_reply_after_7_days_is_refused_but_a_public_one_goes(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_comments(meta, ago=timedelta(days=7, minutes=1))
    with pytest.raises(InboxReplyRefused, match="7 days"):
        reply(conversation, carmen, privately=True)
    assert stored_replies() == 0 and meta.messages == []
    reply(conversation, carmen, key="p" * 20)
    assert len(meta.replies) == 1


def test_a_private_reply_within_7_days_goes(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_comments(meta, ago=timedelta(days=6, hours=23))
    reply(conversation, carmen, privately=True)
    assert len(meta.messages) == 1


def test_a_message_cannot_be_answered_privately_as_a_comment(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_messages(meta, ago=timedelta(hours=1))
    with pytest.raises(InboxReplyRefused, match="Only a comment"):
        reply(conversation, carmen, privately=True)
    assert stored_replies() == 0 and meta.messages == []


def test_a_deleted_comment_is_not_answered(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_comments(meta)
    meta_events_store(
        [MetaEvent("facebook", COMMENT, REMOVE, "c77", RESIDENT, "Ana", "", timezone.now(), POST, POST)]
    )
    with pytest.raises(InboxReplyRefused, match="deleted"):
        reply(conversation, carmen)
    assert stored_replies() == 0 and meta.replies == []


def x_conversation() -> int:
    conversation = Conversation.objects.create(
        channel="x",
        remote_account_id="42",
        remote_thread_id="1700",
        remote_handle="ana",
        last_message_at=timezone.now(),
        created_at=timezone.now(),
    )
    AssistantMessage.objects.create(
        conversation=conversation,
        direction=AssistantMessage.Direction.IN,
        body="@city the light is out",
        remote_id="1701",
        created_at=timezone.now(),
    )
    return conversation.pk


def test_x_replies_in_the_thread_within_280_weighted_characters(x: FakeX, carmen: User) -> None:
    conversation = x_conversation()
    with pytest.raises(InboxReplyRefused, match="282 characters of 280"):
        reply(conversation, carmen, body="灯" * 141)  # CJK characters weigh 2
    assert stored_replies() == 0 and x.posts == []
    reply(conversation, carmen, body="灯" * 140)
    assert [post.in_reply_to for post in x.posts] == ["1701"]


def test_the_reply_box_says_the_rule_and_offers_a_private_reply_to_a_comment(
    meta: FakeMeta, carmen: User
) -> None:
    client = Client()
    client.force_login(carmen)
    comment_page = client.get(f"/staff/inbox/{resident_comments(meta)}/").content.decode()
    assert "reply publicly under it; or, until " in comment_page
    assert "Post reply on Facebook" in comment_page
    assert 'value="private"' in comment_page
    message_page = client.get(
        f"/staff/inbox/{resident_messages(meta, ago=timedelta(hours=2))}/"
    ).content.decode()
    assert "Private message: you can reply until" in message_page
    assert "Send private message on Facebook" in message_page
    assert 'value="private"' not in message_page


def test_the_reply_box_posts_a_private_reply_when_chosen(meta: FakeMeta, carmen: User) -> None:
    client = Client()
    client.force_login(carmen)
    conversation = resident_comments(meta)
    form = {"body": "Your address?", "idempotency_key": "f" * 20, "reply_as": "private"}
    response = client.post(f"/staff/inbox/{conversation}/reply/", form)
    assert response.status_code == 302
    assert [out.recipient for out in meta.messages] == [{"comment_id": "c77"}]
    refused = client.post(f"/staff/inbox/{conversation}/reply/", {**form, "idempotency_key": "g" * 20})
    assert refused.status_code == 400
    assert "one private reply" in refused.content.decode()


def test_an_instagram_message_over_1000_bytes_is_refused(meta: FakeMeta, carmen: User) -> None:
    conversation = resident_messages(meta, ago=timedelta(hours=1), network="instagram")
    with pytest.raises(InboxReplyRefused, match="1001 bytes of 1000"):
        reply(conversation, carmen, body="ñ" * 500 + "a")
    assert stored_replies() == 0 and meta.messages == []
    reply(conversation, carmen, body="ñ" * 500)
    assert [out.node for out in meta.messages] == ["me"]
