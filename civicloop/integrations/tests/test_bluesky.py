from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.social.base import SocialPostResult, SocialReplyTarget
from civicloop.integrations.social.bluesky import BlueskyPoster, forget_sessions, record_key_for
from civicloop.integrations.social.text import social_post_text
from civicloop.integrations.tests.fake_bluesky import (
    CREATE_RECORD,
    CREATE_SESSION,
    GET_RECORD,
    LIST_NOTIFICATIONS,
    FakeBlueskyPds,
    FakeReply,
    FakeRequest,
)

LINK = "https://www.chicago.gov/announcements/arboles-gratis/"
NOW = datetime(2026, 4, 1, 15, 0, 0, 123456, tzinfo=UTC)
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def _no_cached_sessions() -> Iterator[None]:
    forget_sessions()
    yield
    forget_sessions()


@pytest.fixture
def pds() -> Iterator[FakeBlueskyPds]:
    with FakeBlueskyPds() as server:
        yield server


@pytest.fixture
def poster(pds: FakeBlueskyPds) -> BlueskyPoster:
    return BlueskyPoster(pds.url, pds.handle, pds.app_password, timeout=0.5)


def post(
    poster: BlueskyPoster, text: str = f"Árboles gratis 🌳\n\n{LINK}", key: str = "civicloop-social-1"
) -> SocialPostResult:
    return poster.post(text=text, link=LINK, idempotency_key=key, created_at=NOW, language="es")


def tid_microseconds(tid: str) -> int:
    value = 0
    for character in tid:
        value = value * 32 + TID_ALPHABET.index(character)
    return value >> 10


def test_posts_the_record_and_returns_its_uri_and_app_address(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    result = post(poster)

    [record] = pds.records.values()
    assert record.value["$type"] == "app.bsky.feed.post"
    assert record.value["text"] == f"Árboles gratis 🌳\n\n{LINK}"
    assert record.value["langs"] == ["es"]
    assert record.value["createdAt"].endswith("Z")
    assert result.remote_id == f"at://{pds.did}/app.bsky.feed.post/{record.rkey}"
    assert result.remote_url == f"https://bsky.app/profile/{pds.handle}/post/{record.rkey}"


def test_the_link_facet_points_at_the_link_in_utf8_bytes(pds: FakeBlueskyPds, poster: BlueskyPoster) -> None:
    text = f"Árboles gratis 🌳\n\n{LINK}"
    post(poster, text=text)

    [facet] = pds.posts[0]["facets"]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end] == LINK.encode()
    assert start == 22  # 18 characters before the link, but Á is 2 bytes and 🌳 is 4
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}]


def test_text_without_its_link_is_refused_before_sending(pds: FakeBlueskyPds, poster: BlueskyPoster) -> None:
    with pytest.raises(ValueError):
        post(poster, text="Árboles gratis 🌳")
    assert pds.requests_to(CREATE_RECORD) == []


def test_the_record_key_is_a_tid_of_the_queue_time_and_stable_for_the_key() -> None:
    rkey = record_key_for("civicloop-social-1", NOW)

    assert len(rkey) == 13 and rkey[0] in TID_ALPHABET[:16] and set(rkey) <= set(TID_ALPHABET)
    assert tid_microseconds(rkey) == (NOW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert record_key_for("civicloop-social-1", NOW) == rkey
    assert record_key_for("civicloop-social-2", NOW) != rkey


def test_a_server_error_after_posting_is_resolved_by_reading_the_record_back(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    pds.fail_next("server_error", path=CREATE_RECORD, after_processing=True)

    result = post(poster)

    [record] = pds.records.values()
    assert result.remote_id == record.uri
    assert len(pds.requests_to(GET_RECORD)) == 1


@pytest.mark.parametrize("duplicate_answer", ["internal_error", "explicit"])
def test_a_retry_after_a_lost_answer_returns_the_first_post_and_does_not_post_twice(
    duplicate_answer: Literal["internal_error", "explicit"],
) -> None:
    with FakeBlueskyPds(duplicate_answer=duplicate_answer) as pds:
        poster = BlueskyPoster(pds.url, pds.handle, pds.app_password, timeout=0.5)
        pds.fail_next("garbage", path=CREATE_RECORD, after_processing=True)
        with pytest.raises(TransientProviderError):
            post(poster)

        result = post(poster)

        [record] = pds.records.values()
        assert result.remote_id == record.uri
        assert len(pds.requests_to(CREATE_RECORD)) == 2  # the retry was refused as a duplicate…
        assert len(pds.requests_to(GET_RECORD)) == 1  # …and the first post read back


def test_a_retry_after_a_timeout_does_not_post_twice(pds: FakeBlueskyPds, poster: BlueskyPoster) -> None:
    pds.fail_next("timeout", path=CREATE_RECORD, after_processing=True)
    with pytest.raises(TransientProviderError) as timed_out:
        post(poster)
    assert timed_out.value.code == "timeout"

    result = post(poster)

    assert len(pds.records) == 1
    assert result.remote_id == next(iter(pds.records.values())).uri


def test_a_server_error_before_posting_is_transient_and_posts_nothing(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    pds.fail_next("server_error", path=CREATE_RECORD)

    with pytest.raises(TransientProviderError) as failed:
        post(poster)

    assert failed.value.code == "InternalServerError"
    assert pds.records == {}
    assert len(pds.requests_to(GET_RECORD)) == 1  # it checked, and found nothing


def test_rate_limited_is_transient_and_says_when_the_limit_resets(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    pds.fail_next("rate_limit", path=CREATE_RECORD)

    with pytest.raises(TransientProviderError) as limited:
        post(poster)

    assert limited.value.code == "RateLimitExceeded"
    assert limited.value.retry_after is not None and 80 <= limited.value.retry_after <= 91


def test_garbage_is_transient(pds: FakeBlueskyPds, poster: BlueskyPoster) -> None:
    pds.fail_next("garbage", path=CREATE_RECORD)

    with pytest.raises(TransientProviderError) as garbage:
        post(poster)

    assert garbage.value.code == "garbage"


def test_a_wrong_app_password_is_permanent(pds: FakeBlueskyPds) -> None:
    poster = BlueskyPoster(pds.url, pds.handle, "wrong-password", timeout=0.5)

    with pytest.raises(PermanentProviderError) as refused:
        post(poster)

    assert refused.value.code == "AuthenticationRequired"
    assert pds.records == {}


def test_the_session_is_reused_across_posts_and_posters(pds: FakeBlueskyPds) -> None:
    post(BlueskyPoster(pds.url, pds.handle, pds.app_password), key="a")
    post(BlueskyPoster(pds.url, pds.handle, pds.app_password), key="b")

    assert pds.sessions_created == 1
    assert len(pds.records) == 2


def test_an_expired_session_is_renewed_once_and_the_post_goes_out(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    post(poster, key="first")
    pds.expire_sessions()

    post(poster, key="second")

    assert pds.sessions_created == 2
    assert len(pds.records) == 2


class AlwaysExpiredPds(FakeBlueskyPds):
    def respond(self, request: FakeRequest) -> FakeReply:
        if request.path == CREATE_RECORD:
            return FakeReply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return super().respond(request)


def test_a_session_is_renewed_only_once_per_post() -> None:
    with AlwaysExpiredPds() as pds:
        poster = BlueskyPoster(pds.url, pds.handle, pds.app_password, timeout=0.5)

        with pytest.raises(PermanentProviderError):
            post(poster)

        assert len(pds.requests_to(CREATE_SESSION)) == 2
        assert len(pds.requests_to(CREATE_RECORD)) == 2


def test_text_built_for_bluesky_is_accepted_at_the_limit(pds: FakeBlueskyPds, poster: BlueskyPoster) -> None:
    text = social_post_text(
        title="Árboles gratis 🌳 para cada cuadra",
        summary="Pida un árbol 🌳 " * 40,
        link=LINK,
        limit=poster.limit,
        count=poster.count,
    )
    assert text.endswith("…\n\n" + LINK)

    post(poster, text=text)

    assert pds.posts[0]["text"] == text


# --------------------------------------------------------------------------- replies and mentions (inbox)


def test_replies_and_mentions_come_with_their_thread_and_what_a_reply_needs(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    city = post(poster)
    reply = pds.resident_posts("¿Dónde los pido?", parent_uri=city.remote_id, langs=["es"])
    mention = pds.resident_posts(f"@{pds.handle} hello", handle="bo.test")
    pds.notify("like", reply)

    found = poster.mentions(since="")

    first, second = found.mentions
    assert (first.remote_id, first.cid, first.text, first.language) == (
        reply.uri,
        reply.cid,
        "¿Dónde los pido?",
        "es",
    )
    assert first.thread_root_id == city.remote_id and first.in_reply_to_id == city.remote_id
    assert first.thread_root_cid == pds.records[city.remote_id.rsplit("/", 1)[1]].cid
    assert first.author_handle == "ana.bsky.example" and first.author_id.startswith("did:plc:")
    assert first.remote_url == f"https://bsky.app/profile/ana.bsky.example/post/{reply.rkey}"
    assert second.remote_id == mention.uri and second.thread_root_id == ""
    assert found.position == pds.notifications[-2]["indexedAt"]  # the like is not asked for


def test_notifications_are_read_back_to_the_position_through_the_cursor(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    for number in range(130):
        pds.resident_posts(f"@{pds.handle} question {number}", handle=f"r{number}.test")
    start = pds.notifications[9]["indexedAt"]

    found = poster.mentions(since=start)

    # The notification at the position itself comes again (stored once by the inbox).
    assert [mention.text for mention in found.mentions] == [
        f"@{pds.handle} question {n}" for n in range(9, 130)
    ]
    assert [request.query.get("cursor") for request in pds.requests_to(LIST_NOTIFICATIONS)] == [
        None,
        "50",
        "100",
    ]


def test_an_expired_session_is_renewed_once_to_read_notifications(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    poster.mentions(since="")
    pds.expire_sessions()
    pds.resident_posts(f"@{pds.handle} hi")

    assert len(poster.mentions(since="").mentions) == 1
    assert pds.sessions_created == 2


def test_a_reply_names_its_root_and_parent_and_posts_once_per_key(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    city = post(poster)
    resident = pds.resident_posts("When?", parent_uri=city.remote_id)
    (mention,) = poster.mentions(since="").mentions
    target = SocialReplyTarget(
        remote_id=mention.remote_id,
        author_handle=mention.author_handle,
        cid=mention.cid,
        thread_root_id=mention.thread_root_id,
        thread_root_cid=mention.thread_root_cid,
    )
    pds.fail_next("timeout", path=CREATE_RECORD, after_processing=True)

    with pytest.raises(TransientProviderError):
        poster.reply(
            text="May 1. https://www.chicago.gov/trees",
            target=target,
            idempotency_key="inbox-1",
            created_at=NOW,
        )
    result = poster.reply(
        text="May 1. https://www.chicago.gov/trees", target=target, idempotency_key="inbox-1", created_at=NOW
    )

    replies = [record for record in pds.records.values() if "reply" in record.value]
    assert len(replies) == 1 and result.remote_id == replies[0].uri
    city_record = pds.records[city.remote_id.rsplit("/", 1)[1]]
    assert replies[0].value["reply"] == {
        "root": {"uri": city.remote_id, "cid": city_record.cid},
        "parent": {"uri": resident.uri, "cid": resident.cid},
    }
    facet = replies[0].value["facets"][0]
    assert facet["features"][0]["uri"] == "https://www.chicago.gov/trees"


def test_a_reply_to_a_post_that_starts_its_thread_uses_it_as_the_root(
    pds: FakeBlueskyPds, poster: BlueskyPoster
) -> None:
    resident = pds.resident_posts(f"@{pds.handle} potholes on Ashland")
    target = SocialReplyTarget(remote_id=resident.uri, author_handle="ana.bsky.example", cid=resident.cid)

    poster.reply(text="Thanks, reported.", target=target, idempotency_key="inbox-2", created_at=NOW)

    (reply,) = [record for record in pds.records.values() if "reply" in record.value]
    assert (
        reply.value["reply"]["root"]
        == reply.value["reply"]["parent"]
        == {"uri": resident.uri, "cid": resident.cid}
    )


def test_the_fake_pds_refuses_a_reply_without_strong_refs(pds: FakeBlueskyPds, poster: BlueskyPoster) -> None:
    target = SocialReplyTarget(remote_id="at://did:plc:x/app.bsky.feed.post/3k", author_handle="x", cid="")

    with pytest.raises(PermanentProviderError):
        poster.reply(text="Hello", target=target, idempotency_key="inbox-3", created_at=NOW)
