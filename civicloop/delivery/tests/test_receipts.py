import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.delivery.receipts import delivery_receipt_record
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.tests.factories import ContactPointFactory, SubscriberFactory

PHONE = "+13125550123"
SID = "SM" + "a" * 32
Status = Delivery.Status


def make_sms_delivery(
    *, phone: str = PHONE, sid: str = SID, status: str = Status.SENT, channel: str = "sms"
) -> Delivery:
    """A notification delivery to a confirmed SMS contact point, already handed to the provider."""
    contact_point = ContactPoint.objects.filter(
        kind="sms", value=phone
    ).first() or ContactPointFactory.create(
        subscriber=SubscriberFactory.create(active=True),
        kind=ContactPoint.Kind.SMS,
        value=phone,
        confirmed_at=timezone.now(),
    )
    message = Message.objects.create(
        kind=Message.Kind.NOTIFICATION, status=Message.Status.SENDING, template="idea_answered"
    )
    return Delivery.objects.create(
        message=message,
        contact_point=contact_point,
        channel=channel,
        language="en",
        status=status,
        provider_message_id=sid,
        sent_at=timezone.now() if status in (Status.SENT, Status.DELIVERED) else None,
    )


def record(status: str, code: str = "", sid: str = SID) -> Delivery | None:
    return delivery_receipt_record(provider_message_id=sid, provider_status=status, error_code=code)


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("start", [Status.SENDING, Status.QUEUED, Status.SENT])
def test_sent_marks_a_delivery_in_flight_as_sent(start):
    delivery = make_sms_delivery(status=start)

    assert record("sent") == delivery
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert delivery.sent_at is not None


def test_delivered_marks_the_delivery_delivered_and_repeating_it_changes_nothing():
    delivery = make_sms_delivery()

    record("delivered")
    delivery.refresh_from_db()
    first_update = delivery.updated_at
    record("delivered")
    delivery.refresh_from_db()

    assert delivery.status == Status.DELIVERED
    assert delivery.updated_at == first_update


@pytest.mark.parametrize(
    "status", ["queued", "accepted", "scheduled", "sending", "read", "receiving", "bogus"]
)
def test_in_flight_and_unknown_statuses_change_nothing(status):
    delivery = make_sms_delivery(status=Status.SENDING)

    assert record(status) == delivery
    delivery.refresh_from_db()
    assert delivery.status == Status.SENDING


@pytest.mark.parametrize("late", ["sent", "queued", "sending", "undelivered", "failed"])
def test_a_late_receipt_never_moves_a_delivered_message_backwards(late):
    delivery = make_sms_delivery()
    record("delivered")

    record(late, "30003")
    delivery.refresh_from_db()

    assert delivery.status == Status.DELIVERED
    assert delivery.error == ""


def test_sent_after_failed_stays_failed():
    delivery = make_sms_delivery()
    record("undelivered", "30003")
    record("sent")

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.error == "twilio 30003"


def test_delivered_wins_over_our_own_give_up():
    delivery = make_sms_delivery(status=Status.FAILED)
    Delivery.objects.filter(pk=delivery.pk).update(error="twilio timeout: ReadTimeout")

    record("delivered")
    delivery.refresh_from_db()

    assert delivery.status == Status.DELIVERED
    assert delivery.error == ""


@pytest.mark.parametrize("status", [Status.BOUNCED, Status.SUPPRESSED, Status.CANCELLED])
def test_deliveries_that_were_never_in_flight_do_not_change(status):
    delivery = make_sms_delivery(status=status)

    for receipt in ["sent", "delivered", "failed"]:
        record(receipt)
    delivery.refresh_from_db()

    assert delivery.status == status


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_undelivered_or_failed_marks_the_delivery_failed_with_the_code(status):
    delivery = make_sms_delivery()

    record(status, "30003")
    delivery.refresh_from_db()

    assert delivery.status == Status.FAILED
    assert delivery.error == "twilio 30003"
    assert not Suppression.objects.exists()  # an unreachable handset today is not a reason to stop


def test_a_failure_without_a_code_names_the_status():
    delivery = make_sms_delivery()
    record("failed")
    delivery.refresh_from_db()
    assert delivery.error == "twilio failed"


def test_21610_means_the_recipient_opted_out():
    delivery = make_sms_delivery()

    record("failed", "21610")
    record("failed", "21610")  # Twilio retries are harmless
    delivery.refresh_from_db()

    assert delivery.status == Status.FAILED
    [suppression] = Suppression.objects.all()
    assert (suppression.channel, suppression.value, suppression.reason) == ("sms", PHONE, "opted_out")


@pytest.mark.parametrize("code", ["30004", "30005", "30006"])
def test_blocked_unknown_or_landline_numbers_are_suppressed_as_failed(code):
    make_sms_delivery()

    record("undelivered", code)

    [suppression] = Suppression.objects.all()
    assert (suppression.value, suppression.reason) == (PHONE, "failed")


def test_an_opt_out_upgrades_an_earlier_failure_suppression_but_not_the_reverse():
    make_sms_delivery(sid="SM1")
    make_sms_delivery(sid="SM2")
    make_sms_delivery(sid="SM3")

    record("undelivered", "30005", sid="SM1")
    assert Suppression.objects.get().reason == "failed"
    record("failed", "21610", sid="SM2")
    assert Suppression.objects.get().reason == "opted_out"
    record("undelivered", "30006", sid="SM3")
    assert Suppression.objects.get().reason == "opted_out"


def test_an_opt_out_is_recorded_even_when_the_delivery_cannot_change():
    make_sms_delivery()
    record("delivered")

    record("failed", "21610")

    assert Suppression.objects.get().reason == "opted_out"


def test_an_unknown_message_id_returns_none_and_is_logged_without_personal_data(caplog):
    delivery = make_sms_delivery()

    with caplog.at_level(logging.DEBUG):
        assert record("delivered", sid="SM" + "f" * 32) is None

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert "SM" + "f" * 32 in caplog.text
    assert PHONE not in caplog.text and "5550123" not in caplog.text


def test_an_empty_message_id_never_matches_deliveries_not_yet_handed_over():
    queued = make_sms_delivery(sid="", status=Status.SENDING)

    assert record("delivered", sid="") is None
    queued.refresh_from_db()
    assert queued.status == Status.SENDING


def test_only_sms_deliveries_are_matched():
    email = make_sms_delivery(channel="email")

    assert record("delivered") is None
    email.refresh_from_db()
    assert email.status == Status.SENT


def test_sent_at_is_kept_when_already_set():
    delivery = make_sms_delivery(status=Status.SENT)
    earlier = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(sent_at=earlier)

    record("delivered")
    delivery.refresh_from_db()

    assert delivery.sent_at == earlier
