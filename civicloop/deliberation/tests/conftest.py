"""Deliberation test defaults: the word-based stand-in for the civility check, fresh rate limits."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _deliberation_defaults(settings: Any) -> Iterator[None]:
    settings.MODERATION_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
    cache.clear()  # rate limits live in the cache
    yield
    cache.clear()
