import time
from unittest import mock

import pytest
from django.core import signing
from hypothesis import given
from hypothesis import strategies as st

from civicloop.subscriptions.errors import LinkExpired, LinkInvalid
from civicloop.subscriptions.tokens import TokenPayload, TokenPurpose, token_make, token_read

DAY = 24 * 60 * 60


def made_days_ago(days: float, purpose: TokenPurpose) -> str:
    with mock.patch("time.time", return_value=time.time() - days * DAY):
        return token_make(subscriber_id=7, token_version=3, purpose=purpose)


def test_a_token_reads_back_as_its_subscriber_and_version():
    token = token_make(subscriber_id=7, token_version=3, purpose=TokenPurpose.PREFERENCES)

    assert token_read(token=token, purpose=TokenPurpose.PREFERENCES) == TokenPayload(7, 3)


def test_a_token_for_one_purpose_is_refused_for_another():
    token = token_make(subscriber_id=7, token_version=3, purpose=TokenPurpose.PREFERENCES)

    with pytest.raises(LinkInvalid):
        token_read(token=token, purpose=TokenPurpose.UNSUBSCRIBE)


def test_a_tampered_token_is_refused():
    token = token_make(subscriber_id=7, token_version=3, purpose=TokenPurpose.UNSUBSCRIBE)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    with pytest.raises(LinkInvalid):
        token_read(token=tampered, purpose=TokenPurpose.UNSUBSCRIBE)


def test_a_token_signed_with_another_key_is_refused():
    forged = signing.dumps(
        {"s": 7, "v": 3}, key="not-our-secret-key", salt="civicloop.subscriptions.unsubscribe"
    )

    with pytest.raises(LinkInvalid):
        token_read(token=forged, purpose=TokenPurpose.UNSUBSCRIBE)


def test_a_genuine_token_without_a_subscriber_payload_is_refused():
    odd = signing.dumps(["not", "a", "payload"], salt="civicloop.subscriptions.confirm")

    with pytest.raises(LinkInvalid):
        token_read(token=odd, purpose=TokenPurpose.CONFIRM)


def test_a_confirm_token_still_works_after_six_days():
    token = made_days_ago(6, TokenPurpose.CONFIRM)

    assert token_read(token=token, purpose=TokenPurpose.CONFIRM).subscriber_id == 7


def test_a_confirm_token_expires_after_seven_days():
    token = made_days_ago(7.01, TokenPurpose.CONFIRM)

    with pytest.raises(LinkExpired):
        token_read(token=token, purpose=TokenPurpose.CONFIRM)


@pytest.mark.parametrize("purpose", [TokenPurpose.PREFERENCES, TokenPurpose.UNSUBSCRIBE])
def test_preference_and_unsubscribe_tokens_work_for_most_of_a_year(purpose):
    token = made_days_ago(364, purpose)

    assert token_read(token=token, purpose=purpose).token_version == 3


@pytest.mark.parametrize("purpose", [TokenPurpose.PREFERENCES, TokenPurpose.UNSUBSCRIBE])
def test_preference_and_unsubscribe_tokens_expire_after_a_year(purpose):
    token = made_days_ago(366, purpose)

    with pytest.raises(LinkExpired):
        token_read(token=token, purpose=purpose)


@given(
    subscriber_id=st.integers(min_value=1, max_value=2**63 - 1),
    token_version=st.integers(min_value=0, max_value=2**31),
    purpose=st.sampled_from(list(TokenPurpose)),
    moment=st.integers(min_value=0, max_value=2**40),
)
def test_a_token_is_exactly_what_django_signing_makes(subscriber_id, token_version, purpose, moment):
    # token_make skips signing.dumps's per-call setup; links already in inboxes must keep working.
    with mock.patch("time.time", return_value=float(moment)):
        made = token_make(subscriber_id=subscriber_id, token_version=token_version, purpose=purpose)
        expected = signing.dumps(
            {"s": subscriber_id, "v": token_version}, salt=f"civicloop.subscriptions.{purpose.value}"
        )
    assert made == expected


def test_a_token_follows_a_new_secret_key(settings):
    made_before = token_make(subscriber_id=9, token_version=1, purpose=TokenPurpose.UNSUBSCRIBE)
    settings.SECRET_KEY = "another-secret-key-of-at-least-32-characters"
    made_after = token_make(subscriber_id=9, token_version=1, purpose=TokenPurpose.UNSUBSCRIBE)
    assert made_after != made_before
    assert token_read(token=made_after, purpose=TokenPurpose.UNSUBSCRIBE) == TokenPayload(9, 1)
    with pytest.raises(LinkInvalid):
        token_read(token=made_before, purpose=TokenPurpose.UNSUBSCRIBE)
