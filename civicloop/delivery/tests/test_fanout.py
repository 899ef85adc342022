import pytest
from django.db import connection

from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.delivery.services import announcement_message_ensure
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.subscriptions.models import Subscriber

pytestmark = pytest.mark.django_db


def fan_out(announcement):
    message, _ = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    return message


def recipients(message, channel="email"):
    return set(
        Delivery.objects.filter(message=message, channel=channel).values_list(
            "contact_point__value", flat=True
        )
    )


def test_each_matching_contact_point_gets_one_delivery_per_channel():
    housing = make_topic()
    make_subscriber(email="a@example.org", phone="+13125550101", topics=[housing])

    message = fan_out(make_announcement(topics=[housing]))

    assert recipients(message) == {"a@example.org"}
    assert recipients(message, "sms") == {"+13125550101"}
    assert Message.objects.get(pk=message.pk).recipients == 2


def test_topics_must_meet():
    housing, parks = make_topic(), make_topic("parks-culture", "Parks", "Parques")
    make_subscriber(email="housing@example.org", topics=[housing])
    make_subscriber(email="parks@example.org", topics=[parks])

    assert recipients(fan_out(make_announcement(topics=[housing]))) == {"housing@example.org"}


def test_urgent_alerts_reach_every_topic_and_every_frequency():
    housing, parks = make_topic(), make_topic("parks-culture", "Parks", "Parques")
    make_subscriber(email="parks@example.org", topics=[parks])
    make_subscriber(email="weekly@example.org", topics=[housing], frequency="weekly")

    message = fan_out(make_announcement(kind=Kind.ALERT, topics=[housing]))

    assert recipients(message) == {"parks@example.org", "weekly@example.org"}
    assert message.urgent


def test_areas_must_meet_unless_citywide_or_all_of_chicago():
    housing = make_topic()
    pilsen, loop = make_area(31, "Lower West Side"), make_area(32, "Loop")
    make_subscriber(email="pilsen@example.org", topics=[housing], areas=[pilsen])
    make_subscriber(email="loop@example.org", topics=[housing], areas=[loop])
    make_subscriber(email="everywhere@example.org", topics=[housing])

    local = fan_out(make_announcement(title="Pilsen only", topics=[housing], areas=[pilsen]))
    citywide = fan_out(make_announcement(title="Everyone", topics=[housing]))

    assert recipients(local) == {"pilsen@example.org", "everywhere@example.org"}
    assert recipients(citywide) == {"pilsen@example.org", "loop@example.org", "everywhere@example.org"}


def test_digest_subscribers_wait_for_their_digest():
    housing = make_topic()
    make_subscriber(email="daily@example.org", topics=[housing], frequency="daily")

    assert recipients(fan_out(make_announcement(topics=[housing]))) == set()


def test_language_is_the_subscribers_with_english_as_fallback():
    housing = make_topic()
    make_subscriber(email="es@example.org", topics=[housing], language="es")
    with_spanish = fan_out(make_announcement(title="Both", topics=[housing]))
    english_only = fan_out(make_announcement(title="English only", topics=[housing], spanish=None))

    assert Delivery.objects.get(message=with_spanish).language == "es"
    assert Delivery.objects.get(message=english_only).language == "en"


@pytest.mark.parametrize(
    "who",
    [
        {"status": Subscriber.Status.PENDING},
        {"status": Subscriber.Status.UNSUBSCRIBED},
        {"confirmed": False},
    ],
)
def test_unconfirmed_and_unsubscribed_get_nothing(who):
    housing = make_topic()
    make_subscriber(email="x@example.org", topics=[housing], **who)

    assert recipients(fan_out(make_announcement(topics=[housing]))) == set()


def test_suppressed_addresses_and_numbers_get_nothing():
    housing = make_topic()
    make_subscriber(email="bounced@example.org", phone="+13125550102", topics=[housing])
    Suppression.objects.create(channel="email", value="bounced@example.org", reason="bounced")
    Suppression.objects.create(channel="sms", value="+13125550102", reason="opted_out")

    message = fan_out(make_announcement(topics=[housing]))

    assert Delivery.objects.filter(message=message).count() == 0


def test_running_the_fan_out_again_adds_nothing():
    housing = make_topic()
    make_subscriber(email="a@example.org", topics=[housing])
    announcement = make_announcement(topics=[housing])
    message = fan_out(announcement)

    again, created = announcement_message_ensure(announcement=announcement)
    added = announcement_fan_out(message=again)

    assert not created and again.pk == message.pk
    assert added == 0
    assert Delivery.objects.count() == 1


def test_fan_out_is_one_statement_whatever_the_number_of_subscribers(django_assert_max_num_queries):
    housing = make_topic()
    for number in range(30):
        make_subscriber(email=f"r{number}@example.org", phone=f"+1312555{number:04d}", topics=[housing])
    announcement = make_announcement(topics=[housing])
    message, _ = announcement_message_ensure(announcement=announcement)

    with django_assert_max_num_queries(9):
        added = announcement_fan_out(message=message)

    assert added == 60


def test_non_urgent_texts_queued_in_quiet_hours_wait_for_the_morning(settings):
    settings.SMS_QUIET_HOURS = "00:00-23:59"  # always quiet, whatever time the test runs
    housing = make_topic()
    make_subscriber(email="a@example.org", phone="+13125550103", topics=[housing])

    message = fan_out(make_announcement(topics=[housing]))

    text = Delivery.objects.get(message=message, channel="sms")
    email = Delivery.objects.get(message=message, channel="email")
    assert text.next_attempt_at > email.next_attempt_at


def test_urgent_texts_ignore_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = "00:00-23:59"
    housing = make_topic()
    make_subscriber(email="a@example.org", phone="+13125550104", topics=[housing])

    message = fan_out(make_announcement(kind=Kind.ALERT, topics=[housing]))

    text = Delivery.objects.get(message=message, channel="sms")
    email = Delivery.objects.get(message=message, channel="email")
    assert text.next_attempt_at == email.next_attempt_at


def test_subscriber_ranges_cover_every_id_once(settings):
    from civicloop.delivery.fanout import _subscriber_ranges

    for number in range(7):
        make_subscriber(email=f"r{number}@example.org")
    settings.DELIVERY_FANOUT_PARALLEL, settings.DELIVERY_FANOUT_PARALLEL_FROM = 3, 1

    ranges = _subscriber_ranges()

    ids = set(Subscriber.objects.values_list("id", flat=True))
    covered = [i for low, high in ranges for i in ids if low <= i <= high]
    assert sorted(covered) == sorted(ids)
    assert len(ranges) == (3 if connection.vendor == "postgresql" else 1)
