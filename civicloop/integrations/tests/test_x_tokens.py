"""The X account's user token refreshed (X's last two hours), against the local X server: before it
expires, and once when X answers 401; the refresh token X rotates in is kept for the next time."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicloop.integrations.errors import PermanentProviderError
from civicloop.integrations.models import ProviderToken
from civicloop.integrations.social import social_inbox_for, social_posters
from civicloop.integrations.social.x import XPoster
from civicloop.integrations.social.x_tokens import XTokens
from civicloop.integrations.tests.fake_x import FakeX

pytestmark = pytest.mark.django_db


@pytest.fixture
def x(settings: Any) -> Iterator[FakeX]:
    with FakeX() as server:
        settings.X_API_URL = server.url
        settings.X_USER_ID = server.user_id
        settings.X_ACCESS_TOKEN = ""
        settings.X_CLIENT_ID = server.client_id
        settings.X_CLIENT_SECRET = server.client_secret
        settings.X_REFRESH_TOKEN = server.refresh_token
        yield server


def poster(x: FakeX) -> XPoster:
    return XPoster("", x.user_id, x.url, timeout=0.5, tokens=XTokens(x.url, timeout=0.5))


def post(adapter: XPoster, text: str) -> str:
    return adapter.post(text=text, link="", idempotency_key="k", created_at=datetime.now(UTC)).remote_id


def test_the_first_post_gets_a_token_with_the_refresh_token_and_keeps_the_one_x_rotates_in(x: FakeX) -> None:
    adapter = poster(x)

    first = post(adapter, "Snow routes are in effect tonight.")
    second = post(adapter, "Cooling centers open at 9.")

    assert [p.id for p in x.posts] == [first, second]
    assert x.refreshes == 1  # the stored token lasts: no refresh per call
    stored = ProviderToken.objects.get(provider="x")
    assert (stored.access_token, stored.refresh_token) == (x.access_token, x.refresh_token)
    assert stored.expires_at is not None and stored.expires_at > timezone.now() + timedelta(hours=1)


def test_a_token_x_refuses_is_refreshed_once_and_the_post_made(x: FakeX) -> None:
    adapter = poster(x)
    post(adapter, "First post")
    x.expire_token()  # before the stored expiry: X revoked or expired it early

    post(adapter, "Second post")

    assert x.refreshes == 2 and [p.text for p in x.posts] == ["First post", "Second post"]


def test_a_token_near_its_expiry_is_refreshed_before_the_call(x: FakeX) -> None:
    adapter = poster(x)
    post(adapter, "First post")
    ProviderToken.objects.filter(provider="x").update(expires_at=timezone.now() + timedelta(minutes=2))

    post(adapter, "Second post")

    assert x.refreshes == 2 and len(x.posts) == 2


def test_a_spent_refresh_token_is_a_permanent_error_and_nothing_is_posted(x: FakeX, settings: Any) -> None:
    x.refresh_token = "rotated-elsewhere"  # another installation spent ours

    with pytest.raises(PermanentProviderError) as refused:
        post(poster(x), "Snow routes are in effect tonight.")

    assert refused.value.code == "unauthorized" and x.posts == []


def test_the_settings_build_refreshing_x_adapters_without_a_static_token(x: FakeX) -> None:
    [adapter] = [p for p in social_posters() if p.network == "x"]
    inbox = social_inbox_for("x")

    post(adapter, "From the settings")  # type: ignore[arg-type]

    assert inbox is not None and x.refreshes == 1 and [p.text for p in x.posts] == ["From the settings"]


def test_without_an_oauth_app_the_static_token_is_used_and_nothing_is_stored(settings: Any) -> None:
    with FakeX() as x:
        settings.X_CLIENT_ID = ""
        settings.X_ACCESS_TOKEN = x.access_token
        adapter = XPoster(x.access_token, x.user_id, x.url, timeout=0.5, tokens=XTokens(x.url))

        post(adapter, "Static token")

        assert x.refreshes == 0 and len(x.posts) == 1 and not ProviderToken.objects.exists()
