import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings):  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
