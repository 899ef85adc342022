import pytest
from django.core.cache import cache

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
