"""The Twilio adapter against a local server that speaks Twilio's Messages API (never the real one)."""

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.integrations.sms import ConsoleSmsProvider, TwilioSmsProvider, sms_provider
from civicloop.integrations.sms.twilio import RECIPIENT_ERROR_CODES, scrub

from .fake_twilio import Answer, FakeTwilio

TO = "+13125550123"
FROM = "+13125550100"
CALLBACK = "https://updates.chicago.gov/sms/twilio/status"
PHONE_SPELLINGS = ["+13125550123", "13125550123", "3125550123", "%2B13125550123"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTwilio]:
    with FakeTwilio() as running:
        yield running


@pytest.fixture
def twilio(server: FakeTwilio) -> FakeTwilio:
    server.reset()
    return server


@pytest.fixture
def provider(twilio: FakeTwilio) -> TwilioSmsProvider:
    return TwilioSmsProvider(twilio.account_sid, twilio.auth_token, FROM, twilio.url, timeout=2)


def send(provider: TwilioSmsProvider, key: str = "civicloop-1-2-sms", body: str = "Boil water advisory."):
    return provider.send(to=TO, body=body, idempotency_key=key, status_callback_url=CALLBACK)


def assert_no_phone_number(text: str) -> None:
    for spelling in PHONE_SPELLINGS:
        assert spelling not in text


def test_a_message_is_sent_with_twilio_fields(provider, twilio):
    result = send(provider)

    assert re.fullmatch(r"SM[0-9a-f]{32}", result.provider_message_id)
    assert result.status == "queued"
    [message] = twilio.messages
    assert message["sid"] == result.provider_message_id
    assert (message["to"], message["from"], message["body"]) == (TO, FROM, "Boil water advisory.")
    assert message["status_callback"] == CALLBACK
    assert message["num_segments"] == "1"


def test_a_messaging_service_replaces_the_from_number(twilio):
    provider = TwilioSmsProvider(
        twilio.account_sid, twilio.auth_token, "", twilio.url, messaging_service_sid="MG" + "1" * 32
    )
    result = provider.send(to=TO, body="Hi", idempotency_key="k")

    assert result.status == "accepted"
    [message] = twilio.messages
    assert message["from"] is None and message["messaging_service_sid"] == "MG" + "1" * 32
    assert message["status_callback"] == ""


def test_a_retried_send_with_the_same_key_sends_once(provider, twilio):
    first = send(provider, key="civicloop-7-9-sms")
    second = send(provider, key="civicloop-7-9-sms")
    third = send(provider, key="civicloop-7-10-sms")

    assert first == second
    assert third.provider_message_id != first.provider_message_id
    assert twilio.message_count == 2


def test_concurrent_retries_with_the_same_key_store_one_message(provider, twilio):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: send(provider, key="same"), range(16)))

    assert len({r.provider_message_id for r in results}) == 1
    assert twilio.message_count == 1


def test_429_is_transient_with_retry_after(provider, twilio):
    twilio.rate_limit_next(1, retry_after=7)

    with pytest.raises(TransientProviderError) as caught:
        send(provider)

    assert caught.value.retry_after == 7.0
    assert caught.value.code == "429"
    assert twilio.message_count == 0
    assert send(provider).provider_message_id  # the next attempt goes through
    assert twilio.message_count == 1


def test_retry_after_as_an_http_date_is_understood(provider, twilio):
    twilio.rate_limit_next(1, retry_after="Thu, 01 Jan 1970 00:00:00 GMT")

    with pytest.raises(TransientProviderError) as caught:
        send(provider)

    assert caught.value.retry_after == 0.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(provider, twilio, status):
    twilio.server_error_next(1, status=status)

    with pytest.raises(TransientProviderError) as caught:
        send(provider)

    assert caught.value.code == str(status)
    assert caught.value.retry_after is None
    assert twilio.message_count == 0


@pytest.mark.parametrize("status", [200, 201, 502])
def test_a_garbage_answer_is_transient_and_its_raw_text_has_no_phone_number(provider, twilio, status, caplog):
    twilio.garbage_next(1, status=status, body="<html>proxy error for {to} / 3125550123</html>")

    with caplog.at_level(logging.DEBUG), pytest.raises(TransientProviderError) as caught:
        send(provider)

    assert "proxy error for" in caught.value.raw
    assert_no_phone_number(caught.value.raw)
    assert_no_phone_number(str(caught.value))
    assert "proxy error for" in caplog.text
    assert_no_phone_number(caplog.text)


def test_json_without_a_sid_is_garbage(provider, twilio):
    twilio.answer_next(1, Answer(201, json.dumps({"status": "queued", "to": TO})))

    with pytest.raises(TransientProviderError) as caught:
        send(provider)

    assert_no_phone_number(caught.value.raw)


def test_garbage_then_success_sends_exactly_once(provider, twilio):
    twilio.garbage_next(2)

    for _ in range(2):
        with pytest.raises(TransientProviderError):
            send(provider)
    result = send(provider)

    assert twilio.message_count == 1
    assert twilio.messages[0]["sid"] == result.provider_message_id


@pytest.mark.parametrize("code", [21211, 21614, 21610, 21408])
def test_a_bad_or_opted_out_number_is_permanent_with_the_twilio_code(provider, twilio, code, caplog):
    twilio.twilio_error_next(1, code=code)

    with caplog.at_level(logging.DEBUG), pytest.raises(PermanentProviderError) as caught:
        send(provider)

    assert caught.value.code == str(code)
    assert str(code) in RECIPIENT_ERROR_CODES
    assert "not a valid phone number" in caught.value.raw
    assert_no_phone_number(caught.value.raw)
    assert_no_phone_number(caplog.text)


def test_the_fake_rejects_a_non_e164_number_like_twilio(provider, twilio):
    with pytest.raises(PermanentProviderError) as caught:
        provider.send(to="312-555-0123", body="Hi", idempotency_key="k")

    assert caught.value.code == "21211"
    assert "555" not in caught.value.raw


def test_other_4xx_is_permanent(provider, twilio):
    twilio.answer_next(1, Answer(400, json.dumps({"code": 21617, "message": "too long", "status": 400})))

    with pytest.raises(PermanentProviderError) as caught:
        send(provider)

    assert caught.value.code == "21617"
    assert not isinstance(caught.value, TransientProviderError)


def test_a_4xx_without_json_is_permanent_with_the_http_status(provider, twilio):
    twilio.answer_next(1, Answer(404, "Not Found", content_type="text/plain"))

    with pytest.raises(PermanentProviderError) as caught:
        send(provider)

    assert caught.value.code == "404"


def test_wrong_credentials_are_permanent(twilio):
    provider = TwilioSmsProvider(twilio.account_sid, "wrong-token", FROM, twilio.url)

    with pytest.raises(PermanentProviderError) as caught:
        send(provider)

    assert caught.value.code == "20003"
    assert twilio.message_count == 0


def test_a_wrong_account_sid_is_permanent(twilio):
    provider = TwilioSmsProvider("AC" + "f" * 32, twilio.auth_token, FROM, twilio.url)

    with pytest.raises(PermanentProviderError):
        send(provider)

    assert twilio.message_count == 0


def test_a_timeout_is_transient_and_the_retry_does_not_send_twice(twilio):
    provider = TwilioSmsProvider(twilio.account_sid, twilio.auth_token, FROM, twilio.url, timeout=0.3)
    twilio.slow_next(1, seconds=1.0)

    started = time.monotonic()
    with pytest.raises(TransientProviderError) as caught:
        send(provider, key="slow")
    assert time.monotonic() - started < 0.9

    assert "Timeout" in caught.value.raw
    # The slow request still reached "Twilio"; the retry with the same key must not send it again.
    deadline = time.monotonic() + 3
    while twilio.message_count == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert twilio.message_count == 1
    send(provider, key="slow")
    assert twilio.message_count == 1


def test_a_connection_error_is_transient():
    with FakeTwilio() as gone:
        url = gone.url
    provider = TwilioSmsProvider(gone.account_sid, gone.auth_token, FROM, url, timeout=1)

    with pytest.raises(TransientProviderError) as caught:
        send(provider)

    assert caught.value.raw == "ConnectionError"


def test_the_adapter_sends_the_idempotency_header_and_basic_auth(twilio, monkeypatch):
    seen: dict[str, object] = {}
    original = requests.Session.post

    def spy(self, url, **kwargs):
        seen.update(url=url, headers=kwargs["headers"], data=kwargs["data"], auth=self.auth)
        return original(self, url, **kwargs)

    monkeypatch.setattr(requests.Session, "post", spy)
    provider = TwilioSmsProvider(twilio.account_sid, twilio.auth_token, FROM, twilio.url + "/")
    send(provider, key="civicloop-3-4-sms")

    assert seen["url"] == f"{twilio.url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert seen["headers"]["I-Twilio-Idempotency-Token"] == "civicloop-3-4-sms"  # type: ignore[index]
    assert seen["auth"] == (twilio.account_sid, twilio.auth_token)
    assert seen["data"] == {
        "To": TO,
        "Body": "Boil water advisory.",
        "From": FROM,
        "StatusCallback": CALLBACK,
    }


def test_one_provider_is_safe_to_share_between_threads(provider, twilio):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                send(provider, key=f"k-{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert twilio.message_count == 40


def test_scrub_removes_numbers_in_every_spelling_but_keeps_dates_and_codes():
    raw = (
        '{"to": "+13125550123", "x": "To=%2B13125550123", "y": "(312) 555-0123", "z": "13125550123", '
        '"date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "uri": "/2010-04-01/Accounts/AC1/Messages.json", '
        '"more_info": "https://www.twilio.com/docs/errors/21211"}'
    )
    cleaned = scrub(raw, TO)

    assert_no_phone_number(cleaned)
    assert "555" not in cleaned
    assert "2010-04-01" in cleaned and "24 Aug 2023 05:01:45 +0000" in cleaned and "21211" in cleaned
    assert len(scrub("x" * 5000)) == 500


def test_sms_provider_follows_the_settings(settings, twilio):
    settings.SMS_BACKEND = "console"
    assert isinstance(sms_provider(), ConsoleSmsProvider)

    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = twilio.account_sid
    settings.TWILIO_AUTH_TOKEN = twilio.auth_token
    settings.TWILIO_FROM_NUMBER = FROM
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE = twilio.url
    provider = sms_provider()
    assert isinstance(provider, TwilioSmsProvider)
    assert provider is sms_provider()  # reused, so connections are kept
    assert provider.send(to=TO, body="Hi", idempotency_key="k").provider_message_id.startswith("SM")

    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ImproperlyConfigured):
        sms_provider()
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms_provider()
