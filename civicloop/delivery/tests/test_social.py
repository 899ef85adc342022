from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from civicloop.announcements.models import Announcement
from civicloop.announcements.tests.factories import make_announcement
from civicloop.delivery.models import SocialNetwork, SocialPost
from civicloop.delivery.social import social_post_send, social_posts_queue
from civicloop.delivery.tasks_social import post_announcement_to_social, social_backoff_seconds
from civicloop.integrations.tests.fake_bluesky import CREATE_RECORD, FakeBlueskyPds
from civicloop.integrations.tests.fake_mastodon import FakeMastodon

SITE = "https://www.chicago.gov"
TASK_PATH = "civicloop.delivery.tasks_social.post_announcement_to_social"

pytestmark = pytest.mark.django_db


def announcement_for_social(*, publish: bool = True, post_to_social: bool = True) -> Announcement:
    announcement = make_announcement(
        title="Free trees for every block", summary="Ask for a street tree by May 1.", publish=publish
    )
    Announcement.objects.filter(pk=announcement.pk).update(post_to_social=post_to_social)
    return announcement


def queued_send_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at"))


def queue(announcement: Announcement, capture: Any) -> list[SocialPost]:
    with capture(execute=True):
        return social_posts_queue(announcement=announcement)


def post_for(network: str) -> SocialPost:
    return SocialPost.objects.get(network=network)


def test_a_published_announcement_ticked_for_social_is_queued_once_per_network(
    networks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    announcement = announcement_for_social()

    posts = queue(announcement, django_capture_on_commit_callbacks)

    assert sorted(post.network for post in posts) == [SocialNetwork.BLUESKY, SocialNetwork.MASTODON]
    assert all(post.status == SocialPost.Status.QUEUED for post in posts)
    assert sorted(task.args_kwargs["args"][0] for task in queued_send_tasks()) == sorted(p.pk for p in posts)


def test_queuing_twice_keeps_one_post_and_one_task_per_network(
    networks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    announcement = announcement_for_social()
    first = queue(announcement, django_capture_on_commit_callbacks)

    second = queue(announcement, django_capture_on_commit_callbacks)

    assert {post.pk for post in second} == {post.pk for post in first}
    assert SocialPost.objects.count() == 2
    assert len(queued_send_tasks()) == 2


@pytest.mark.parametrize(("publish", "post_to_social"), [(False, True), (True, False)])
def test_drafts_and_unticked_announcements_are_not_queued(
    networks: Any, django_capture_on_commit_callbacks: Any, publish: bool, post_to_social: bool
) -> None:
    announcement = announcement_for_social(publish=publish, post_to_social=post_to_social)

    assert queue(announcement, django_capture_on_commit_callbacks) == []
    assert SocialPost.objects.count() == 0
    assert queued_send_tasks() == []


def test_only_configured_networks_are_queued(networks: Any, django_capture_on_commit_callbacks: Any) -> None:
    networks.BLUESKY_APP_PASSWORD = ""

    posts = queue(announcement_for_social(), django_capture_on_commit_callbacks)

    assert [post.network for post in posts] == [SocialNetwork.MASTODON]


def test_sending_posts_title_summary_and_link_to_each_network(
    networks: Any, mastodon: FakeMastodon, pds: FakeBlueskyPds, django_capture_on_commit_callbacks: Any
) -> None:
    announcement = announcement_for_social()
    queue(announcement, django_capture_on_commit_callbacks)
    link = f"{SITE}/announcements/{announcement.slug}/"
    expected = f"Free trees for every block\n\nAsk for a street tree by May 1.\n\n{link}"

    for post in SocialPost.objects.all():
        social_post_send(social_post_id=post.pk)

    toot, skeet = post_for(SocialNetwork.MASTODON), post_for(SocialNetwork.BLUESKY)
    assert [status.text for status in mastodon.statuses] == [expected]
    assert [record["text"] for record in pds.posts] == [expected]
    assert pds.posts[0]["facets"][0]["features"][0]["uri"] == link
    assert toot.status == skeet.status == SocialPost.Status.POSTED
    assert toot.text == skeet.text == expected
    assert toot.remote_id == mastodon.statuses[0].json["id"]
    assert toot.remote_url == mastodon.statuses[0].json["url"]
    assert skeet.remote_id == next(iter(pds.records.values())).uri
    assert skeet.remote_url.startswith(f"https://bsky.app/profile/{pds.handle}/post/")
    assert toot.posted_at is not None and toot.attempts == 1 and toot.error == ""


def test_a_posted_post_is_never_sent_again(
    networks: Any, mastodon: FakeMastodon, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    toot = post_for(SocialNetwork.MASTODON)
    social_post_send(social_post_id=toot.pk)

    again = social_post_send(social_post_id=toot.pk)

    assert again.retry is None
    assert len(mastodon.requests_to(FakeMastodon.STATUSES)) == 1
    assert len(mastodon.statuses) == 1


def test_a_permanent_failure_marks_the_post_failed_with_the_error(
    networks: Any, mastodon: FakeMastodon, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    networks.MASTODON_ACCESS_TOKEN = "revoked"

    result = post_announcement_to_social.call(post_for(SocialNetwork.MASTODON).pk)

    toot = post_for(SocialNetwork.MASTODON)
    assert result == SocialPost.Status.FAILED == toot.status
    assert "HTTP 401" in toot.error and "access token is invalid" in toot.error
    assert toot.attempts == 1
    assert len(queued_send_tasks()) == 2  # the two first sends; no retry


def test_a_network_no_longer_configured_fails_the_post(
    networks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    networks.BLUESKY_HANDLE = ""

    social_post_send(social_post_id=post_for(SocialNetwork.BLUESKY).pk)

    skeet = post_for(SocialNetwork.BLUESKY)
    assert skeet.status == SocialPost.Status.FAILED
    assert "not configured" in skeet.error


def test_a_transient_failure_counts_the_attempt_and_enqueues_a_retry_with_backoff(
    networks: Any, mastodon: FakeMastodon, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    toot = post_for(SocialNetwork.MASTODON)
    mastodon.fail_next("server_error")
    before = timezone.now()

    result = post_announcement_to_social.call(toot.pk)

    toot.refresh_from_db()
    assert result == SocialPost.Status.QUEUED == toot.status
    assert toot.attempts == 1 and "HTTP 500" in toot.error
    retry = queued_send_tasks()[-1]
    assert retry.args_kwargs["args"] == [toot.pk]
    assert before <= retry.run_after <= timezone.now() + timedelta(seconds=60)  # first retry: up to 60 s
    assert mastodon.statuses == []


def test_a_rate_limited_retry_waits_until_the_limit_resets(
    networks: Any, mastodon: FakeMastodon, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    mastodon.fail_next("rate_limit")  # resets in five minutes

    post_announcement_to_social.call(post_for(SocialNetwork.MASTODON).pk)

    retry = queued_send_tasks()[-1]
    assert retry.run_after >= timezone.now() + timedelta(seconds=280)


def test_retries_after_lost_answers_never_post_twice(
    networks: Any, mastodon: FakeMastodon, pds: FakeBlueskyPds, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    toot, skeet = post_for(SocialNetwork.MASTODON), post_for(SocialNetwork.BLUESKY)
    # Each network makes the post, then the answer is lost on the way back.
    mastodon.fail_next("garbage", after_processing=True)
    pds.fail_next("garbage", path=CREATE_RECORD, after_processing=True)
    assert post_announcement_to_social.call(toot.pk) == SocialPost.Status.QUEUED
    assert post_announcement_to_social.call(skeet.pk) == SocialPost.Status.QUEUED

    # The worker runs the retries it was given.
    assert post_announcement_to_social.call(toot.pk) == SocialPost.Status.POSTED
    assert post_announcement_to_social.call(skeet.pk) == SocialPost.Status.POSTED

    toot.refresh_from_db()
    skeet.refresh_from_db()
    assert len(mastodon.statuses) == 1 and len(pds.records) == 1
    assert toot.remote_id == mastodon.statuses[0].json["id"]
    assert skeet.remote_id == next(iter(pds.records.values())).uri
    assert toot.attempts == skeet.attempts == 2


def test_after_the_last_attempt_the_post_fails_and_no_retry_is_enqueued(
    networks: Any, mastodon: FakeMastodon, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    toot = post_for(SocialNetwork.MASTODON)
    mastodon.fail_next("server_error", times=5)

    results = [post_announcement_to_social.call(toot.pk) for _ in range(5)]

    toot.refresh_from_db()
    assert results == [SocialPost.Status.QUEUED] * 4 + [SocialPost.Status.FAILED]
    assert toot.status == SocialPost.Status.FAILED and toot.attempts == 5
    assert toot.error.startswith("Gave up after 5 attempts.")
    assert len(queued_send_tasks()) == 2 + 4  # the two first sends, then four retries
    assert mastodon.statuses == []


def test_a_missing_post_is_skipped() -> None:
    assert post_announcement_to_social.call(987654) == "missing"


def test_backoff_doubles_up_to_the_cap() -> None:
    ceilings = [social_backoff_seconds(attempt, random_fraction=lambda: 1.0) for attempt in range(1, 7)]

    assert ceilings == [60, 120, 240, 480, 900, 900]
    assert social_backoff_seconds(3, random_fraction=lambda: 0.0) == 0


def test_backoff_never_retries_before_the_server_said() -> None:
    assert social_backoff_seconds(1, retry_after=300, random_fraction=lambda: 1.0) == 300
    assert social_backoff_seconds(4, retry_after=10, random_fraction=lambda: 1.0) == 480


@given(attempt=st.integers(min_value=1, max_value=20), fraction=st.floats(min_value=0, max_value=1))
def test_backoff_is_jittered_within_its_ceiling(attempt: int, fraction: float) -> None:
    delay = social_backoff_seconds(attempt, random_fraction=lambda: fraction)

    assert 0 <= delay <= min(900, 30 * 2**attempt)
