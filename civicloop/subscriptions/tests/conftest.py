import re

import pytest
from django.core.cache import cache

from civicloop.subscriptions import services
from civicloop.subscriptions.tests.factories import CommunityAreaFactory, TopicFactory


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    # The subscribe rate limit lives in the cache: each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_url(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://city.example.org"


@pytest.fixture
def topics(db):  # type: ignore[no-untyped-def]
    return [
        TopicFactory.create(slug="health", name_en="Health", name_es="Salud"),
        TopicFactory.create(slug="housing", name_en="Housing", name_es="Vivienda"),
        TopicFactory.create(slug="budget", name_en="Budget", name_es="Presupuesto"),
    ]


@pytest.fixture
def areas(db):  # type: ignore[no-untyped-def]
    return [
        CommunityAreaFactory.create(number=1, name="Rogers Park", slug="rogers-park"),
        CommunityAreaFactory.create(number=8, name="Near North Side", slug="near-north-side"),
        CommunityAreaFactory.create(number=32, name="Loop", slug="loop"),
    ]


# Subscribing as the form does, and the confirmation link it emails: shared by the services' tests.
CONFIRM_LINK = re.compile(r"https://city\.example\.org/subscribe/confirm/[^/\s\"<]+/")


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def subscribe(topics, areas, django_capture_on_commit_callbacks):
    """subscription_request with sensible defaults, committing so emails really go out."""

    def _subscribe(**overrides):
        arguments = {
            "email": "resident@example.org",
            "phone": None,
            "topics": [topics[0]],
            "areas": [areas[0]],
            "all_areas": False,
            "language": "en",
            "frequency": "immediately",
        } | overrides
        with django_capture_on_commit_callbacks(execute=True):
            return services.subscription_request(**arguments)

    return _subscribe


def confirm_link_in(text: str) -> str:
    match = CONFIRM_LINK.search(text)
    assert match, "no confirmation link"
    return match.group(0)


def confirm_token_from(message) -> str:
    return token_of(confirm_link_in(message.body))
