"""Twilio status callbacks, signed with Twilio's own library exactly as Twilio signs them."""

import logging
from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from civicloop.delivery.models import Delivery, Suppression

from .test_receipts import PHONE, SID, make_sms_delivery

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicloop.delivery.tests.urls_for_webhook_tests")]

TOKEN = "twilio-auth-token-for-tests-0123"
SITE = "https://city.example.org"
PATH = "/sms/twilio/status"
Status = Delivery.Status


@pytest.fixture(autouse=True)
def _twilio_settings(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN


def callback_params(status: str, *, sid: str = SID, error_code: str = "", **extra: str) -> dict[str, str]:
    """The fields Twilio posts to a StatusCallback."""
    params = {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "From": "+13125550100",
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "To": PHONE,
        **extra,
    }
    if error_code:
        params["ErrorCode"] = error_code
    return params


def post(
    params: dict[str, str],
    *,
    signed_url: str = SITE + PATH,
    token: str = TOKEN,
    signature: str | None = None,
    path: str = PATH,
    client: Client | None = None,
):
    """POST form-encoded like Twilio; signature computed by Twilio's library unless given."""
    headers = {}
    if signature is None:
        signature = RequestValidator(token).compute_signature(signed_url, params)
    if signature:
        headers["X-Twilio-Signature"] = signature
    return (client or Client()).post(
        path, data=urlencode(params), content_type="application/x-www-form-urlencoded", headers=headers
    )


def status_of(delivery: Delivery) -> str:
    delivery.refresh_from_db()
    return delivery.status


def test_a_signed_delivered_callback_marks_the_delivery_delivered():
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"))

    assert response.status_code == 204
    assert response.content == b""
    assert status_of(delivery) == Status.DELIVERED


def test_csrf_protection_does_not_get_in_twilios_way():
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"), client=Client(enforce_csrf_checks=True))

    assert response.status_code == 204
    assert status_of(delivery) == Status.DELIVERED


def test_a_forged_signature_is_refused_and_changes_nothing():
    delivery = make_sms_delivery()

    response = post(callback_params("failed", error_code="21610"), signature="bm90IGEgc2lnbmF0dXJl")

    assert response.status_code == 403
    assert status_of(delivery) == Status.SENT
    assert not Suppression.objects.exists()


def test_a_signature_made_with_another_token_is_refused():
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"), token="someone-elses-token")

    assert response.status_code == 403
    assert status_of(delivery) == Status.SENT


@pytest.mark.parametrize(
    "signed_url",
    [
        "https://attacker.example/sms/twilio/status",
        "http://city.example.org/sms/twilio/status",  # scheme matters
        SITE + "/sms/twilio/inbound",
        SITE + PATH + "?extra=1",
    ],
)
def test_a_signature_for_another_url_is_refused(signed_url):
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"), signed_url=signed_url)

    assert response.status_code == 403
    assert status_of(delivery) == Status.SENT


def test_params_changed_after_signing_are_refused():
    delivery = make_sms_delivery()
    signature = RequestValidator(TOKEN).compute_signature(SITE + PATH, callback_params("sent"))

    response = post(callback_params("delivered"), signature=signature)

    assert response.status_code == 403
    assert status_of(delivery) == Status.SENT


def test_a_missing_signature_is_refused():
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"), signature="")

    assert response.status_code == 403
    assert status_of(delivery) == Status.SENT


def test_without_a_configured_auth_token_nothing_is_accepted(settings):
    settings.TWILIO_AUTH_TOKEN = ""
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"), token="")

    assert response.status_code == 403
    assert status_of(delivery) == Status.SENT


def test_a_query_string_in_the_callback_url_is_part_of_what_is_signed():
    delivery = make_sms_delivery()

    response = post(callback_params("delivered"), signed_url=SITE + PATH + "?d=1", path=PATH + "?d=1")

    assert response.status_code == 204
    assert status_of(delivery) == Status.DELIVERED


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(method):
    response = getattr(Client(), method)(PATH)
    assert response.status_code == 405


def test_unknown_extra_fields_are_accepted():
    delivery = make_sms_delivery()
    params = callback_params(
        "delivered", RawDlrDoneDate="2501101200", ChannelToAddress="+1312555XXXX", MessagingServiceSid="MG1"
    )

    response = post(params)

    assert response.status_code == 204
    assert status_of(delivery) == Status.DELIVERED


def test_21610_fails_the_delivery_and_suppresses_the_number_as_opted_out():
    delivery = make_sms_delivery()

    response = post(callback_params("failed", error_code="21610"))

    assert response.status_code == 204
    assert status_of(delivery) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.error == "twilio 21610"
    [suppression] = Suppression.objects.all()
    assert (suppression.channel, suppression.value, suppression.reason) == ("sms", PHONE, "opted_out")


def test_out_of_order_callbacks_leave_the_delivery_delivered():
    delivery = make_sms_delivery()

    assert post(callback_params("delivered")).status_code == 204
    assert post(callback_params("sent")).status_code == 204

    assert status_of(delivery) == Status.DELIVERED


def test_a_retried_callback_is_harmless():
    delivery = make_sms_delivery()

    for _ in range(3):
        assert post(callback_params("undelivered", error_code="30006")).status_code == 204

    assert status_of(delivery) == Status.FAILED
    assert Suppression.objects.count() == 1


def test_an_unknown_message_sid_is_acknowledged_and_changes_nothing():
    delivery = make_sms_delivery()

    response = post(callback_params("failed", sid="SM" + "0" * 32, error_code="21610"))

    assert response.status_code == 204
    assert status_of(delivery) == Status.SENT
    assert not Suppression.objects.exists()


def test_a_callback_without_a_message_sid_is_acknowledged_and_changes_nothing():
    delivery = make_sms_delivery(sid="", status=Status.SENDING)
    params = {"AccountSid": "AC" + "1" * 32, "MessageStatus": "delivered"}

    assert post(params).status_code == 204
    assert status_of(delivery) == Status.SENDING


def test_no_phone_number_appears_in_the_logs(caplog):
    make_sms_delivery()

    with caplog.at_level(logging.DEBUG):
        post(callback_params("failed", error_code="21610"))
        post(callback_params("delivered"), signature="forged")
        post(callback_params("delivered", sid="SMunknown"))
        Client().get(PATH)

    assert "signature" in caplog.text  # the forged request was logged...
    for spelling in [PHONE, "13125550123", "3125550123", "%2B13125550123", "+13125550100"]:
        assert spelling not in caplog.text  # ...without anyone's number
