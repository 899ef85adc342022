import time

import pytest
from django.core import signing

# Links are signed with a timestamp in seconds: fixed here, a test can rebuild a recipient's exact links.
FROZEN_SIGNING_TIME = signing.b62_encode(int(time.time()))


@pytest.fixture(autouse=True)
def _same_second_for_every_link(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: FROZEN_SIGNING_TIME)
    monkeypatch.setattr("civicloop.subscriptions.tokens._timestamp", lambda: FROZEN_SIGNING_TIME)
