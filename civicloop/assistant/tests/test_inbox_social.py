"""Replies and mentions the city's Mastodon and Bluesky accounts get, in the staff inbox: fetched by the
periodic task from local protocol servers (notifications APIs with their paging), stored once per post in
one conversation per resident and thread, never answered by the assistant, and answered by staff with a
reply post in the same thread, once per form."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.accounts.models import Role, User
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Announcement
from civicloop.announcements.tests.factories import make_announcement
from civicloop.assistant.models import AssistantMessage, Conversation, SocialMentionsCursor
from civicloop.assistant.services.inbox import InboxReplyRefused, inbox_reply
from civicloop.assistant.services.social_inbox import social_mentions_fetch, social_mentions_fetch_all
from civicloop.assistant.tasks_inbox import (
    fetch_social_mentions,
    social_mentions_next_enqueue,
    social_mentions_schedule,
)
from civicloop.delivery.models import SocialPost
from civicloop.delivery.social import social_post_send, social_posts_queue
from civicloop.integrations.social import social_inbox_for
from civicloop.integrations.tests.fake_bluesky import CREATE_RECORD, LIST_NOTIFICATIONS, FakeBlueskyPds
from civicloop.integrations.tests.fake_mastodon import FakeMastodon

pytestmark = pytest.mark.django_db

SITE = "https://www.chicago.gov"
INBOX = "/staff/inbox/"
TASK_PATH = "civicloop.assistant.tasks_inbox.fetch_social_mentions"


@pytest.fixture
def carmen() -> User:
    return staff_user_ensure(
        username="carmen",
        email="carmen@city.example",
        role=Role.COMMUNICATIONS,
        password="a-long-test-password-1",
        full_name="Carmen Ortiz",
    )


@pytest.fixture
def comms(carmen: User) -> Client:
    client = Client()
    client.force_login(carmen)
    return client


@pytest.fixture
def city_posts(networks: Any, django_capture_on_commit_callbacks: Any) -> dict[str, SocialPost]:
    """The city's announcement, posted to both accounts the way publishing posts it."""
    announcement = make_announcement(
        title="Free trees for every block", summary="Ask for a street tree by May 1."
    )
    Announcement.objects.filter(pk=announcement.pk).update(post_to_social=True)
    with django_capture_on_commit_callbacks(execute=False):
        posts = social_posts_queue(announcement=announcement)
    for post in posts:
        social_post_send(social_post_id=post.pk)
    return {post.network: SocialPost.objects.get(pk=post.pk) for post in posts}


def fetch(network: str) -> int:
    inbox = social_inbox_for(network)
    assert inbox is not None
    return social_mentions_fetch(inbox=inbox)


def start_reading(network: str) -> None:
    """The inbox's first poll: it starts from the account's latest notifications."""
    fetch(network)


def as_if_the_last_poll_was_long_ago() -> None:
    """A poll right after another fetches nothing; the periodic task runs an interval later."""
    SocialMentionsCursor.objects.update(fetched_at=timezone.now() - timedelta(hours=1))


def reply_key(response: Any) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode())
    assert found
    return found.group(1)


def answer_from_inbox(client: Client, conversation: Conversation, body: str) -> tuple[Any, Any]:
    """Open the conversation in the inbox and post a reply twice with the same form (a double click)."""
    key = reply_key(client.get(f"{INBOX}{conversation.pk}/"))
    url = f"{INBOX}{conversation.pk}/reply/"
    return (
        client.post(url, {"body": body, "idempotency_key": key}),
        client.post(url, {"body": body, "idempotency_key": key}),
    )


# -------------------------------------------------------------------------------------- the "done when"


def test_a_resident_replies_to_the_city_s_mastodon_post_and_staff_answer_from_the_inbox(
    mastodon: FakeMastodon, city_posts: dict[str, SocialPost], comms: Client, carmen: User
) -> None:
    city_status = city_posts["mastodon"]
    start_reading("mastodon")
    resident = mastodon.resident_posts(
        "Does this include parkway trees on 18th St?", in_reply_to_id=city_status.remote_id
    )

    as_if_the_last_poll_was_long_ago()

    assert fetch_social_mentions.call() == 1

    conversation = Conversation.objects.get(channel="mastodon")
    assert conversation.remote_handle == "ana@mastodon.example"
    assert conversation.city_post == city_status
    listing = comms.get(INBOX).content.decode()
    assert "@ana@mastodon.example" in listing and "parkway trees" in listing
    thread = comms.get(f"{INBOX}{conversation.pk}/").content.decode()
    assert "Free trees for every block" in thread and resident["url"] in thread

    first, again = answer_from_inbox(comms, conversation, "Yes! Parkway trees count. Ask by May 1.")

    assert first.status_code == 302 and again.status_code == 302
    replies = [status for status in mastodon.statuses if status.params.get("in_reply_to_id")]
    assert len(replies) == 1
    (reply,) = replies
    assert reply.params["in_reply_to_id"] == resident["id"]
    assert reply.text == "@ana@mastodon.example Yes! Parkway trees count. Ask by May 1."
    assert reply.idempotency_key and reply.json["in_reply_to_id"] == resident["id"]
    stored = AssistantMessage.objects.get(sent_by=carmen)
    assert stored.send_status == "sent" and stored.remote_url == reply.json["url"]
    assert stored.in_reply_to is not None and stored.in_reply_to.remote_id == resident["id"]
    assert reply.json["url"] in comms.get(f"{INBOX}{conversation.pk}/").content.decode()


def test_a_resident_replies_to_the_city_s_bluesky_post_and_staff_answer_in_the_thread(
    pds: FakeBlueskyPds, city_posts: dict[str, SocialPost], comms: Client
) -> None:
    city_post = city_posts["bluesky"]
    start_reading("bluesky")
    resident = pds.resident_posts("How do I ask for a tree?", parent_uri=city_post.remote_id)

    fetch("bluesky")
    conversation = Conversation.objects.get(channel="bluesky")
    first, again = answer_from_inbox(comms, conversation, "Call 311 or see https://www.chicago.gov/trees")

    assert conversation.remote_handle == "ana.bsky.example" and conversation.city_post == city_post
    assert first.status_code == 302 and again.status_code == 302
    replies = [record.value for record in pds.records.values() if "reply" in record.value]
    assert len(replies) == 1
    city_record = pds.record_by_uri(city_post.remote_id)
    assert city_record is not None
    assert replies[0]["reply"] == {
        "root": {"uri": city_post.remote_id, "cid": city_record.cid},
        "parent": {"uri": resident.uri, "cid": resident.cid},
    }
    assert replies[0]["text"] == "Call 311 or see https://www.chicago.gov/trees"
    assert replies[0]["facets"][0]["features"][0]["uri"] == "https://www.chicago.gov/trees"
    stored = AssistantMessage.objects.get(handled_as="staff")
    assert stored.remote_id.startswith(f"at://{pds.did}/") and stored.remote_url.startswith(
        "https://bsky.app/"
    )


# ------------------------------------------------------------------------------------------- fetching


def test_the_first_poll_starts_from_now_and_later_polls_read_only_what_is_new(
    mastodon: FakeMastodon, city_posts: dict[str, SocialPost]
) -> None:
    old = mastodon.resident_posts("An old reply", in_reply_to_id=city_posts["mastodon"].remote_id)

    first = fetch("mastodon")
    mastodon.resident_posts("A new reply", in_reply_to_id=city_posts["mastodon"].remote_id)
    second = fetch("mastodon")
    third = fetch("mastodon")

    assert (first, second, third) == (1, 1, 0)
    assert AssistantMessage.objects.filter(direction="in").count() == 2
    cursor = SocialMentionsCursor.objects.get(network="mastodon")
    assert cursor.position == mastodon.notifications[-1]["id"]
    asked = mastodon.requests_to("/api/v1/notifications")
    assert "since_id" not in asked[0].query and asked[1].query["since_id"] == mastodon.notifications[0]["id"]
    assert asked[0].query_list("types[]") == ["mention"]
    assert old["id"] in set(AssistantMessage.objects.values_list("remote_id", flat=True))


def test_a_long_mastodon_backlog_is_read_page_by_page_through_the_link_header(
    mastodon: FakeMastodon, city_posts: dict[str, SocialPost]
) -> None:
    start_reading("mastodon")
    for number in range(95):
        mastodon.resident_posts(
            f"Reply {number}", acct=f"r{number}", in_reply_to_id=city_posts["mastodon"].remote_id
        )

    stored = fetch("mastodon")

    assert stored == 95
    assert len(mastodon.requests_to("/api/v1/notifications")) >= 4  # 40 + 40 + 15, then an empty page
    assert Conversation.objects.filter(channel="mastodon").count() == 95
    assert SocialMentionsCursor.objects.get(network="mastodon").position == mastodon.notifications[-1]["id"]


def test_a_long_bluesky_backlog_is_read_page_by_page_with_the_cursor_and_stops_where_it_had_read(
    pds: FakeBlueskyPds, city_posts: dict[str, SocialPost]
) -> None:
    root = city_posts["bluesky"].remote_id
    pds.resident_posts("Seen before the inbox started", parent_uri=root)
    start_reading("bluesky")
    for number in range(120):
        pds.resident_posts(f"Reply {number}", handle=f"r{number}.test", parent_uri=root)

    stored = fetch("bluesky")

    assert stored == 120
    pages = pds.requests_to(LIST_NOTIFICATIONS)[1:]
    assert len(pages) == 3 and [page.query.get("cursor") for page in pages] == [None, "50", "100"]
    assert Conversation.objects.filter(channel="bluesky").count() == 121


def test_only_replies_and_mentions_are_stored(
    mastodon: FakeMastodon, pds: FakeBlueskyPds, city_posts: dict[str, SocialPost]
) -> None:
    start_reading("mastodon")
    start_reading("bluesky")
    fan = {"id": "77", "username": "fan", "acct": "fan"}
    mastodon.notify("favourite", account=fan, status=mastodon.statuses[0].json)
    mastodon.notify("follow", account=fan)
    liked = pds.record_by_uri(city_posts["bluesky"].remote_id)
    assert liked is not None
    pds.notify("like", liked)
    mastodon.resident_posts("Hello @chicago, is the beach open?")
    pds.resident_posts(f"@{pds.handle} is the beach open?")

    assert social_mentions_fetch_all() == 2
    assert sorted(AssistantMessage.objects.values_list("body", flat=True)) == [
        "@chicago.test is the beach open?",
        "Hello @chicago, is the beach open?",
    ]


def test_the_assistant_never_answers_on_social_networks(
    mastodon: FakeMastodon, city_posts: dict[str, SocialPost]
) -> None:
    start_reading("mastodon")
    mastodon.resident_posts("HELP", in_reply_to_id=city_posts["mastodon"].remote_id)

    fetch("mastodon")

    assert not AssistantMessage.objects.filter(direction="out").exists()
    assert len(mastodon.statuses) == 1  # only the city's announcement
    assert AssistantMessage.objects.get().handled_as == "social"


def test_each_resident_answering_a_city_post_has_a_conversation_and_keeps_it_when_the_city_replies(
    mastodon: FakeMastodon, pds: FakeBlueskyPds, city_posts: dict[str, SocialPost], carmen: User
) -> None:
    start_reading("mastodon")
    start_reading("bluesky")
    mastodon_root, bluesky_root = city_posts["mastodon"].remote_id, city_posts["bluesky"].remote_id
    mastodon.resident_posts("Ana asks", in_reply_to_id=mastodon_root)
    mastodon.resident_posts("Bo asks", acct="bo@other.example", in_reply_to_id=mastodon_root)
    pds.resident_posts("Ana asks", parent_uri=bluesky_root)
    social_mentions_fetch_all()
    ana_mastodon = Conversation.objects.get(channel="mastodon", remote_handle="ana@mastodon.example")
    ana_bluesky = Conversation.objects.get(channel="bluesky")
    city_reply_m = inbox_reply(
        conversation_id=ana_mastodon.pk, staff=carmen, body="Hi Ana", idempotency_key="m" * 20
    )
    city_reply_b = inbox_reply(
        conversation_id=ana_bluesky.pk, staff=carmen, body="Hi Ana", idempotency_key="b" * 20
    )

    mastodon.resident_posts("Thanks! And a follow-up", in_reply_to_id=city_reply_m.message.remote_id)
    pds.resident_posts("Thanks! And a follow-up", parent_uri=city_reply_b.message.remote_id)
    assert social_mentions_fetch_all() == 2

    assert Conversation.objects.filter(channel="mastodon").count() == 2
    assert Conversation.objects.filter(channel="bluesky").count() == 1
    assert list(ana_mastodon.messages.values_list("direction", flat=True)) == ["in", "out", "in"]
    assert list(ana_bluesky.messages.values_list("direction", flat=True)) == ["in", "out", "in"]


def test_a_network_that_fails_is_asked_again_next_time_and_the_other_is_still_read(
    mastodon: FakeMastodon, pds: FakeBlueskyPds, city_posts: dict[str, SocialPost]
) -> None:
    start_reading("mastodon")
    start_reading("bluesky")
    position = SocialMentionsCursor.objects.get(network="mastodon").position
    mastodon.resident_posts("Lost?", in_reply_to_id=city_posts["mastodon"].remote_id)
    pds.resident_posts("Fine", parent_uri=city_posts["bluesky"].remote_id)
    mastodon.fail_next("rate_limit", path="/api/v1/notifications")

    assert social_mentions_fetch_all() == 1
    assert SocialMentionsCursor.objects.get(network="mastodon").position == position
    assert social_mentions_fetch_all() == 1
    assert AssistantMessage.objects.filter(direction="in").count() == 2


def test_an_expired_bluesky_session_is_renewed_while_reading(
    pds: FakeBlueskyPds, city_posts: dict[str, SocialPost]
) -> None:
    start_reading("bluesky")
    pds.resident_posts("Hi", parent_uri=city_posts["bluesky"].remote_id)
    pds.expire_sessions()

    assert fetch("bluesky") == 1


# ------------------------------------------------------------------------------------------- replying


def test_a_direct_message_on_mastodon_is_answered_directly(
    mastodon: FakeMastodon, networks: Any, carmen: User
) -> None:
    start_reading("mastodon")
    mastodon.resident_posts("@chicago my neighbour's address is private", visibility="direct")
    fetch("mastodon")

    inbox_reply(
        conversation_id=Conversation.objects.get().pk,
        staff=carmen,
        body="Thanks, noted.",
        idempotency_key="d" * 20,
    )

    assert mastodon.statuses[-1].params["visibility"] == "direct"


def test_a_reply_too_long_for_bluesky_is_refused_and_nothing_is_posted(
    pds: FakeBlueskyPds, city_posts: dict[str, SocialPost], carmen: User
) -> None:
    start_reading("bluesky")
    pds.resident_posts("Question", parent_uri=city_posts["bluesky"].remote_id)
    fetch("bluesky")

    with pytest.raises(InboxReplyRefused, match="Too long for Bluesky"):
        inbox_reply(
            conversation_id=Conversation.objects.get().pk,
            staff=carmen,
            body="x" * 301,
            idempotency_key="l" * 20,
        )

    assert not [record for record in pds.records.values() if "reply" in record.value]


def test_a_reply_on_a_network_no_longer_configured_is_refused(
    mastodon: FakeMastodon, city_posts: dict[str, SocialPost], carmen: User, settings: Any
) -> None:
    start_reading("mastodon")
    mastodon.resident_posts("Hello", in_reply_to_id=city_posts["mastodon"].remote_id)
    fetch("mastodon")
    settings.MASTODON_ACCESS_TOKEN = ""

    with pytest.raises(InboxReplyRefused, match="not set up"):
        inbox_reply(
            conversation_id=Conversation.objects.get().pk, staff=carmen, body="Hi", idempotency_key="n" * 20
        )


def test_a_reply_whose_answer_was_lost_is_posted_once_when_sent_again(
    pds: FakeBlueskyPds, city_posts: dict[str, SocialPost], comms: Client
) -> None:
    start_reading("bluesky")
    pds.resident_posts("Question", parent_uri=city_posts["bluesky"].remote_id)
    fetch("bluesky")
    conversation = Conversation.objects.get()
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))
    url = f"{INBOX}{conversation.pk}/reply/"
    pds.fail_next("timeout", path=CREATE_RECORD, after_processing=True)
    pds.fail_next("server_error", path="/xrpc/com.atproto.repo.getRecord")

    lost = comms.post(url, {"body": "Answer", "idempotency_key": key})
    again = comms.post(url, {"body": "Answer", "idempotency_key": key})

    assert lost.status_code == 400 and "Send it again to retry" in lost.content.decode()
    assert again.status_code == 302
    assert len([record for record in pds.records.values() if "reply" in record.value]) == 1
    assert AssistantMessage.objects.get(handled_as="staff").send_status == "sent"


def test_the_inbox_filters_social_conversations_by_network(
    mastodon: FakeMastodon, pds: FakeBlueskyPds, city_posts: dict[str, SocialPost], comms: Client
) -> None:
    start_reading("mastodon")
    start_reading("bluesky")
    mastodon.resident_posts("On Mastodon", in_reply_to_id=city_posts["mastodon"].remote_id)
    pds.resident_posts("On Bluesky", parent_uri=city_posts["bluesky"].remote_id)
    social_mentions_fetch_all()

    page = comms.get(INBOX, {"channel": "bluesky", "state": "needs_answer"}).content.decode()

    assert "On Bluesky" in page and "On Mastodon" not in page


# ------------------------------------------------------------------------------------------- the schedule


def test_the_worker_schedules_one_poll_and_each_poll_books_the_next(networks: Any) -> None:
    assert social_mentions_schedule() is True
    assert social_mentions_schedule() is False  # one is waiting

    waiting = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert waiting.run_after is None or waiting.run_after <= timezone.now() + timedelta(seconds=1)
    DBTaskResult.objects.all().delete()

    fetch_social_mentions.call()

    booked = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert booked.run_after is not None and booked.run_after > timezone.now() + timedelta(seconds=60)


def test_nothing_is_scheduled_when_no_social_account_is_configured(settings: Any) -> None:
    settings.MASTODON_ACCESS_TOKEN = settings.BLUESKY_APP_PASSWORD = ""

    assert social_mentions_schedule() is False and social_mentions_next_enqueue() is False
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()


def test_a_poll_right_after_another_fetches_nothing(
    mastodon: FakeMastodon, city_posts: dict[str, SocialPost]
) -> None:
    start_reading("mastodon")
    mastodon.resident_posts("Soon after", in_reply_to_id=city_posts["mastodon"].remote_id)
    before = len(mastodon.requests_to("/api/v1/notifications"))

    assert fetch_social_mentions.call() == 0
    assert len(mastodon.requests_to("/api/v1/notifications")) == before
