"""Publishing an announcement to all five networks: Facebook Page, Instagram (with the card), X, Mastodon and
Bluesky on local servers, and the demo's files when a network has no account."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.accounts.services import staff_user_ensure
from civicloop.announcements.models import Announcement
from civicloop.announcements.tests.factories import make_announcement
from civicloop.delivery.models import SocialNetwork, SocialPost
from civicloop.delivery.social import social_post_send, social_posts_queue
from civicloop.delivery.tasks_social import post_announcement_to_social
from civicloop.integrations.social.text import x_length
from civicloop.integrations.tests.fake_mastodon import FakeMastodon
from civicloop.integrations.tests.fake_meta import FakeMeta
from civicloop.integrations.tests.fake_x import FakeX

SITE = "https://www.chicago.gov"
ALL_NETWORKS = ["mastodon", "bluesky", "facebook", "instagram", "x"]
LONG_SUMMARY = "Ask for a street tree in front of your home by May 1; crews plant them in the fall. " * 3

pytestmark = pytest.mark.django_db


@pytest.fixture
def meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def x_api() -> Iterator[FakeX]:
    with FakeX() as server:
        yield server


@pytest.fixture
def all_networks(networks: Any, meta: FakeMeta, x_api: FakeX) -> Any:
    """All five of the city's accounts, on local servers."""
    networks.META_GRAPH_URL = meta.graph_url
    networks.FACEBOOK_PAGE_ID = meta.page_id
    networks.FACEBOOK_PAGE_ACCESS_TOKEN = meta.page_access_token
    networks.INSTAGRAM_ACCOUNT_ID = meta.instagram_id
    networks.X_API_URL = x_api.url
    networks.X_ACCESS_TOKEN = x_api.access_token
    networks.X_USER_ID = x_api.user_id
    return networks


def announcement_for_social(
    *, title: str = "Free trees for every block", spanish: tuple[str, str] | None = None
) -> Announcement:
    announcement = make_announcement(title=title, summary=LONG_SUMMARY, spanish=spanish)
    Announcement.objects.filter(pk=announcement.pk).update(post_to_social=True)
    return announcement


def queue(announcement: Announcement, capture: Any) -> list[SocialPost]:
    with capture(execute=True):
        return social_posts_queue(announcement=announcement)


def serve_card_to_instagram(client: Any, meta: FakeMeta, announcement: Announcement, query: str = "") -> None:
    """Instagram fetches the card from the city's site: the fake gets what the card view serves."""
    path = f"/announcements/{announcement.slug}/card.jpg{query}"
    response = client.get(path)
    assert response.status_code == 200
    meta.images[f"{SITE}{path}"] = response.content


def send_all() -> dict[str, SocialPost]:
    for post in SocialPost.objects.all():
        social_post_send(social_post_id=post.pk)
    return {post.network: post for post in SocialPost.objects.all()}


def test_an_announcement_is_queued_for_all_five_networks(
    all_networks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    posts = queue(announcement_for_social(), django_capture_on_commit_callbacks)

    assert [post.network for post in posts] == ALL_NETWORKS
    assert {choice for choice, _label in SocialNetwork.choices} == set(ALL_NETWORKS)


def test_each_network_gets_the_announcement_fitted_to_its_limit(
    all_networks: Any,
    meta: FakeMeta,
    x_api: FakeX,
    mastodon: FakeMastodon,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    announcement = announcement_for_social()
    link = f"{SITE}/announcements/{announcement.slug}/"
    queue(announcement, django_capture_on_commit_callbacks)
    serve_card_to_instagram(client, meta, announcement)

    posts = send_all()

    assert {network: post.status for network, post in posts.items()} == dict.fromkeys(ALL_NETWORKS, "posted")
    [page_post] = meta.page_posts
    assert page_post.message == f"Free trees for every block\n\n{LONG_SUMMARY.strip()}\n\n{link}"
    assert page_post.link == link
    [tweet] = x_api.posts
    assert tweet.text.startswith("Free trees for every block\n\n") and tweet.text.endswith(link)
    assert "…" in tweet.text and x_length(tweet.text) <= 280  # the summary was cut to fit X
    assert posts["x"].remote_url == f"https://x.com/i/web/status/{tweet.id}"
    assert posts["facebook"].remote_id == page_post.id
    [media] = meta.media
    assert media.caption == page_post.message
    assert posts["instagram"].remote_url == media.permalink
    assert mastodon.statuses[0].text.endswith(link)


def test_instagram_gets_the_announcement_card_with_alt_text(
    all_networks: Any, meta: FakeMeta, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    announcement = announcement_for_social()
    queue(announcement, django_capture_on_commit_callbacks)
    serve_card_to_instagram(client, meta, announcement)

    social_post_send(social_post_id=SocialPost.objects.get(network="instagram").pk)

    [container] = meta.containers.values()
    assert container.image_url == f"{SITE}/announcements/{announcement.slug}/card.jpg"
    assert container.alt_text.startswith("City of Chicago program: Free trees for every block.")
    assert meta.media[0].image.startswith(b"\xff\xd8\xff")  # the JPEG the card view served


def test_posts_are_in_the_city_social_language_when_the_announcement_has_it(
    all_networks: Any,
    meta: FakeMeta,
    x_api: FakeX,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    all_networks.SOCIAL_LANGUAGE = "es"
    spanish = announcement_for_social(spanish=("Árboles gratis para cada cuadra", "Pida un árbol."))
    queue(spanish, django_capture_on_commit_callbacks)
    serve_card_to_instagram(client, meta, spanish, "?lang=es")

    posts = send_all()

    assert posts["facebook"].text.startswith("Árboles gratis para cada cuadra\n\n")
    assert x_api.posts[0].text.startswith("Árboles gratis para cada cuadra")
    assert meta.media[0].image == meta.images[f"{SITE}/announcements/{spanish.slug}/card.jpg?lang=es"]
    assert "Árboles gratis" in next(iter(meta.containers.values())).alt_text


def test_an_announcement_without_the_social_language_is_posted_in_english(
    all_networks: Any, x_api: FakeX, django_capture_on_commit_callbacks: Any
) -> None:
    all_networks.SOCIAL_LANGUAGE = "es"
    queue(announcement_for_social(spanish=None), django_capture_on_commit_callbacks)

    social_post_send(social_post_id=SocialPost.objects.get(network="x").pk)

    assert x_api.posts[0].text.startswith("Free trees for every block")


def test_a_rate_limited_network_is_retried_and_posted_once(
    all_networks: Any, x_api: FakeX, django_capture_on_commit_callbacks: Any
) -> None:
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    x_post = SocialPost.objects.get(network="x")
    x_api.fail_next("rate_limit", path="/2/tweets")

    first = post_announcement_to_social.call(x_post.pk)
    second = post_announcement_to_social.call(x_post.pk)
    third = post_announcement_to_social.call(x_post.pk)

    assert (first, second, third) == ("queued", "posted", "posted")
    assert len(x_api.posts) == 1
    x_post.refresh_from_db()
    assert x_post.attempts == 2 and x_post.remote_id == x_api.posts[0].id


def test_a_network_that_refuses_for_good_is_failed_with_its_reason(
    all_networks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    all_networks.FACEBOOK_PAGE_ACCESS_TOKEN = "revoked"
    queue(announcement_for_social(), django_capture_on_commit_callbacks)

    posts = send_all()

    assert posts["facebook"].status == SocialPost.Status.FAILED
    assert "Invalid OAuth access token" in posts["facebook"].error
    assert posts["instagram"].status == SocialPost.Status.FAILED  # it publishes with the same Page token
    assert posts["x"].status == SocialPost.Status.POSTED


def test_delivery_progress_shows_each_network_status_and_link(
    all_networks: Any, meta: FakeMeta, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    announcement = announcement_for_social()
    queue(announcement, django_capture_on_commit_callbacks)
    # Instagram cannot fetch the card (not served to it here): it fails, and the page says why.
    posts = send_all()
    staff = staff_user_ensure(
        username="comms",
        email="comms@example.org",
        role=Role.COMMUNICATIONS,
        password="pw-long-enough-1",
        full_name="Communications Staff",
    )
    client.force_login(staff)

    html = client.get(f"/staff/announcements/{announcement.pk}/delivery/").content.decode()

    table = html[html.index('id="social-posts"') :]
    for network in ("Mastodon", "Bluesky", "Facebook", "X"):
        assert f'<th scope="row">{network}</th><td>Posted</td>' in table
        assert f"Open the post on {network}</a>" in table
    assert f'href="{posts["facebook"].remote_url}"' in table
    assert f'href="{posts["x"].remote_url}"' in table
    assert '<th scope="row">Instagram</th><td>Failed</td>' in table
    assert "Only photo or video" in table


# --------------------------------------------------------------------------------- the demo: files


def test_without_accounts_nothing_is_queued_unless_the_demo_file_dir_is_set(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert settings.SOCIAL_FILE_DIR == ""  # tests never write posts to files unless they ask

    assert queue(announcement_for_social(), django_capture_on_commit_callbacks) == []


def test_the_demo_writes_every_network_post_as_a_file_with_the_card_for_instagram(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SITE_URL = SITE
    settings.SOCIAL_FILE_DIR = str(tmp_path / "social")
    announcement = announcement_for_social()
    link = f"{SITE}/announcements/{announcement.slug}/"

    posts = queue(announcement, django_capture_on_commit_callbacks)
    sent = send_all()

    assert [post.network for post in posts] == ALL_NETWORKS
    assert all(post.status == SocialPost.Status.POSTED for post in sent.values())
    files = sorted((tmp_path / "social").glob("*.json"))
    assert [path.name.split("-")[0] for path in files] == sorted(ALL_NETWORKS)
    records = {record["network"]: record for record in (json.loads(path.read_text()) for path in files)}
    for network, post in sent.items():
        record = records[network]
        assert (record["text"], record["link"]) == (post.text, link)
        assert post.remote_url == (tmp_path / "social" / post.remote_id).as_uri()
    assert x_length(records["x"]["text"]) <= 280 and len(records["x"]["text"]) < len(
        records["mastodon"]["text"]
    )
    image = records["instagram"]["image"]
    assert image["url"] == f"{link}card.jpg"
    assert image["alt_text"].startswith("City of Chicago program: Free trees for every block.")
    assert Path(image["path"]).read_bytes().startswith(b"\x89PNG")
    assert {path.stat().st_mode & 0o777 for path in (tmp_path / "social").iterdir()} == {0o644}
    assert all(records[network]["image"] is None for network in ALL_NETWORKS if network != "instagram")


def test_the_demo_writes_each_post_once_however_often_it_is_sent(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SOCIAL_FILE_DIR = str(tmp_path)
    queue(announcement_for_social(), django_capture_on_commit_callbacks)
    send_all()
    written = {path: path.stat().st_mtime_ns for path in tmp_path.iterdir()}
    SocialPost.objects.update(status=SocialPost.Status.QUEUED, posted_at=timezone.now())

    send_all()

    assert {path: path.stat().st_mtime_ns for path in tmp_path.iterdir()} == written


def test_a_configured_network_is_posted_to_and_only_the_others_go_to_files(
    networks: Any, mastodon: FakeMastodon, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    networks.SOCIAL_FILE_DIR = str(tmp_path)
    queue(announcement_for_social(), django_capture_on_commit_callbacks)

    sent = send_all()

    assert len(mastodon.statuses) == 1 and sent["mastodon"].remote_url.startswith(mastodon.url)
    assert sorted(path.name.split("-")[0] for path in tmp_path.glob("*.json")) == [
        "facebook",
        "instagram",
        "x",
    ]
