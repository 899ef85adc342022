"""The reply adapters the staff inbox answers Facebook, Instagram and X residents with, against the local Graph
and X servers: a public reply under a comment, a private reply to it, a message (tagged HUMAN_AGENT after
24 hours), an X reply in its thread; each posted once however often it is retried."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social import SocialReplyTarget, social_inbox_for, social_inboxes
from civicloop.integrations.social.facebook import FacebookPageReplies
from civicloop.integrations.social.instagram import InstagramReplies
from civicloop.integrations.social.x import XReplies
from civicloop.integrations.tests.fake_meta import FakeMeta
from civicloop.integrations.tests.fake_x import FakeX

RESIDENT = "7001"


@pytest.fixture
def meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def x() -> Iterator[FakeX]:
    with FakeX() as server:
        yield server


def facebook(meta: FakeMeta) -> FacebookPageReplies:
    return FacebookPageReplies(meta.page_id, meta.page_access_token, meta.graph_url, timeout=0.5)


def instagram(meta: FakeMeta) -> InstagramReplies:
    return InstagramReplies(meta.instagram_id, meta.page_access_token, meta.graph_url, timeout=0.5)


def comment(remote_id: str, **fields: Any) -> SocialReplyTarget:
    return SocialReplyTarget(remote_id=remote_id, author_handle="", kind="comment", **fields)


def message(**fields: Any) -> SocialReplyTarget:
    return SocialReplyTarget(
        remote_id="m_1", author_handle="", kind="message", recipient_id=RESIDENT, **fields
    )


def test_a_public_reply_goes_under_the_facebook_comment_from_the_page(meta: FakeMeta) -> None:
    meta.add_comment("c1")
    sent = facebook(meta).reply(
        text="Thanks, the crew is on it.",
        target=comment("c1"),
        idempotency_key="k",
        created_at=datetime.now(UTC),
    )
    [reply] = meta.replies
    assert (reply.comment_id, reply.from_id, reply.message) == (
        "c1",
        meta.page_id,
        "Thanks, the crew is on it.",
    )
    assert sent.remote_id == reply.id
    assert meta.messages == []


def test_a_retry_after_a_lost_answer_or_a_429_posts_the_comment_reply_once(meta: FakeMeta) -> None:
    meta.add_comment("c1")
    adapter, queued = facebook(meta), datetime.now(UTC)
    meta.fail_next("timeout", path="/v21.0/c1/comments", after_processing=True)
    with pytest.raises(TransientProviderError):
        adapter.reply(text="On its way.", target=comment("c1"), idempotency_key="k", created_at=queued)
    meta.fail_next("rate_limit", path="/v21.0/c1/comments")
    with pytest.raises(TransientProviderError):  # the read back is throttled too: nothing is posted
        adapter.reply(text="On its way.", target=comment("c1"), idempotency_key="k", created_at=queued)
    again = adapter.reply(text="On its way.", target=comment("c1"), idempotency_key="k", created_at=queued)
    assert [reply.id for reply in meta.replies] == [again.remote_id]


def test_instagram_answers_a_reply_under_its_top_level_comment(meta: FakeMeta) -> None:
    meta.add_comment("top", network="instagram")
    meta.add_comment("nested", network="instagram", parent_id="top")
    instagram(meta).reply(
        text="Yes, Saturday.",
        target=comment("nested", thread_root_id="top"),
        idempotency_key="k",
        created_at=datetime.now(UTC),
    )
    assert [(reply.comment_id, reply.from_id) for reply in meta.replies] == [("top", meta.instagram_id)]


def test_a_deleted_comment_cannot_be_answered(meta: FakeMeta) -> None:
    meta.add_comment("c1").deleted = True
    with pytest.raises(PermanentProviderError):
        facebook(meta).reply(
            text="Hi", target=comment("c1"), idempotency_key="k", created_at=datetime.now(UTC)
        )
    assert meta.replies == []


def test_a_message_within_24_hours_is_a_plain_response(meta: FakeMeta) -> None:
    meta.resident_wrote(RESIDENT, datetime.now(UTC) - timedelta(hours=23))
    sent = facebook(meta).reply(
        text="Hello", target=message(), idempotency_key="k", created_at=datetime.now(UTC)
    )
    [out] = meta.messages
    assert (out.node, out.recipient, out.messaging_type, out.tag) == (
        meta.page_id,
        {"id": RESIDENT},
        "RESPONSE",
        "",
    )
    assert sent.remote_id == out.id


def test_after_24_hours_a_message_needs_the_human_agent_tag(meta: FakeMeta) -> None:
    meta.resident_wrote(RESIDENT, datetime.now(UTC) - timedelta(days=3))
    adapter = facebook(meta)
    with pytest.raises(PermanentProviderError):  # what Meta answers without the tag
        adapter.reply(text="Hello", target=message(), idempotency_key="k", created_at=datetime.now(UTC))
    adapter.reply(
        text="Hello", target=message(human_agent=True), idempotency_key="k", created_at=datetime.now(UTC)
    )
    assert [(out.messaging_type, out.tag) for out in meta.messages] == [("MESSAGE_TAG", "HUMAN_AGENT")]


def test_instagram_messages_go_through_the_page(meta: FakeMeta) -> None:
    meta.resident_wrote(RESIDENT)
    instagram(meta).reply(text="Hola", target=message(), idempotency_key="k", created_at=datetime.now(UTC))
    assert [(out.node, out.recipient) for out in meta.messages] == [("me", {"id": RESIDENT})]


@pytest.mark.parametrize("network", ["facebook", "instagram"])
def test_a_retry_after_a_lost_answer_sends_the_message_once(meta: FakeMeta, network: str) -> None:
    meta.resident_wrote(RESIDENT)
    adapter, queued = (facebook(meta) if network == "facebook" else instagram(meta)), datetime.now(UTC)
    node = meta.page_id if network == "facebook" else "me"
    meta.fail_next("timeout", path=f"/v21.0/{node}/messages", after_processing=True)
    with pytest.raises(TransientProviderError):
        adapter.reply(text="On its way.", target=message(), idempotency_key="k", created_at=queued)
    assert len(meta.messages) == 1  # Graph took it; its answer was lost

    again = adapter.reply(text="On its way.", target=message(), idempotency_key="k", created_at=queued)

    assert [sent.id for sent in meta.messages] == [again.remote_id]


def test_the_same_words_sent_before_this_reply_was_written_are_not_taken_for_it(meta: FakeMeta) -> None:
    meta.resident_wrote(RESIDENT)
    adapter = facebook(meta)
    adapter.reply(text="Thank you!", target=message(), idempotency_key="k1", created_at=datetime.now(UTC))
    meta.messages[0].created_time = datetime.now(UTC) - timedelta(hours=2)

    adapter.reply(text="Thank you!", target=message(), idempotency_key="k2", created_at=datetime.now(UTC))

    assert len(meta.messages) == 2


def test_a_private_reply_to_a_comment_is_one_message_to_its_author(meta: FakeMeta) -> None:
    meta.add_comment("c1")
    adapter = facebook(meta)
    adapter.reply(
        text="Write us your address?",
        target=comment("c1", private=True),
        idempotency_key="k",
        created_at=datetime.now(UTC),
    )
    assert [out.recipient for out in meta.messages] == [{"comment_id": "c1"}]
    assert meta.replies == []
    with pytest.raises(PermanentProviderError):  # Meta allows one
        adapter.reply(
            text="Again",
            target=comment("c1", private=True),
            idempotency_key="k2",
            created_at=datetime.now(UTC),
        )
    assert len(meta.messages) == 1


def test_x_replies_in_the_thread_once_even_after_a_lost_answer(x: FakeX) -> None:
    adapter = XReplies(x.access_token, x.user_id, x.url, timeout=0.5)
    target = SocialReplyTarget(remote_id="1700", author_handle="ana")
    queued = datetime.now(UTC) - timedelta(minutes=2)  # a retry: the first attempt was minutes ago
    x.fail_next("timeout", path="/2/tweets", after_processing=True)
    with pytest.raises(TransientProviderError):
        adapter.reply(text="Fixed today.", target=target, idempotency_key="k", created_at=queued)
    again = adapter.reply(text="Fixed today.", target=target, idempotency_key="k", created_at=queued)
    assert [(post.id, post.in_reply_to) for post in x.posts] == [(again.remote_id, "1700")]


def test_x_the_same_words_to_another_post_are_not_taken_for_this_reply(x: FakeX) -> None:
    adapter = XReplies(x.access_token, x.user_id, x.url, timeout=0.5)
    now = datetime.now(UTC)
    adapter.reply(
        text="Thanks!",
        target=SocialReplyTarget(remote_id="1", author_handle=""),
        idempotency_key="a",
        created_at=now,
    )
    with pytest.raises(PermanentProviderError):  # X refuses the duplicate text; it is not this reply
        adapter.reply(
            text="Thanks!",
            target=SocialReplyTarget(remote_id="2", author_handle=""),
            idempotency_key="b",
            created_at=now,
        )
    assert [post.in_reply_to for post in x.posts] == ["1"]


def test_configured_meta_and_x_accounts_answer_from_the_inbox_but_are_not_polled(settings: Any) -> None:
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = "104", "token"
    settings.INSTAGRAM_ACCOUNT_ID = "178"
    settings.X_ACCESS_TOKEN, settings.X_USER_ID = "x-token", "150"
    settings.MASTODON_BASE_URL = settings.MASTODON_ACCESS_TOKEN = ""
    settings.BLUESKY_HANDLE = settings.BLUESKY_APP_PASSWORD = ""
    assert isinstance(social_inbox_for("facebook"), FacebookPageReplies)
    assert isinstance(social_inbox_for("instagram"), InstagramReplies)
    assert isinstance(social_inbox_for("x"), XReplies)
    assert social_inboxes() == []
    settings.X_ACCESS_TOKEN = ""
    assert social_inbox_for("x") is None
