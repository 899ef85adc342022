"""Asking for updates (services/subscribing.py): a pending subscriber with the choices, contacts
normalised or refused, the same person's subscription continued, and when a confirmation email goes out."""

import pytest
from django.db import transaction

from civicloop.subscriptions import services
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import subscription_links
from civicloop.subscriptions.tests.conftest import confirm_token_from, token_of

pytestmark = pytest.mark.django_db


def test_subscribing_creates_a_pending_subscriber_with_the_choices(subscribe, topics, areas):
    subscriber = subscribe(topics=[topics[0], topics[1]], areas=[areas[2]], frequency="weekly")

    assert subscriber.status == Subscriber.Status.PENDING
    assert set(subscriber.topics.all()) == {topics[0], topics[1]}
    assert list(subscriber.areas.all()) == [areas[2]]
    assert subscriber.frequency == "weekly"
    assert subscriber.confirmed_at is None


def test_subscribing_stores_the_email_lowercased_and_stripped(subscribe):
    subscriber = subscribe(email="  Resident.Name@Example.ORG ")

    assert list(subscriber.contact_points.values_list("kind", "value")) == [
        ("email", "resident.name@example.org")
    ]


def test_no_email_goes_out_for_a_subscription_that_is_rolled_back(
    topics, areas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.subscription_request(
            email="resident@example.org",
            phone=None,
            topics=[topics[0]],
            areas=[],
            all_areas=True,
            language="en",
            frequency="daily",
        )
        raise RuntimeError("something later in the same transaction failed")

    assert mailoutbox == []
    assert Subscriber.objects.count() == 0


def test_the_phone_is_stored_in_e164(subscribe):
    subscriber = subscribe(email=None, phone="(312) 744-5000")

    assert list(subscriber.contact_points.values_list("kind", "value")) == [("sms", "+13127445000")]


def test_a_phone_only_subscription_stays_pending_and_sends_nothing(subscribe, mailoutbox):
    subscriber = subscribe(email=None, phone="312-744-5000")

    assert subscriber.status == Subscriber.Status.PENDING
    assert mailoutbox == []


@pytest.mark.parametrize("phone", ["12", "not a number", "+1 555 0100", "312-555-01234567"])
def test_an_invalid_phone_is_refused_and_nothing_is_stored(subscribe, phone):
    with pytest.raises(SubscriptionInvalid) as raised:
        subscribe(email=None, phone=phone)

    assert raised.value.field == "phone"
    assert Subscriber.objects.count() == ContactPoint.objects.count() == ConsentRecord.objects.count() == 0


def test_an_invalid_email_is_refused_and_nothing_is_stored(subscribe, mailoutbox):
    with pytest.raises(SubscriptionInvalid) as raised:
        subscribe(email="resident@")

    assert raised.value.field == "email"
    assert Subscriber.objects.count() == 0
    assert mailoutbox == []


def test_a_request_without_email_or_phone_is_refused(subscribe):
    with pytest.raises(SubscriptionInvalid):
        subscribe(email="  ", phone="")

    assert Subscriber.objects.count() == 0


def test_subscribing_twice_with_the_same_email_keeps_one_subscriber_with_merged_choices(
    subscribe, topics, areas
):
    first = subscribe(email="resident@example.org", topics=[topics[0]], areas=[areas[0]], frequency="daily")

    second = subscribe(
        email="RESIDENT@example.org", topics=[topics[1]], areas=[areas[1]], language="es", frequency="weekly"
    )

    assert second.pk == first.pk
    assert Subscriber.objects.count() == 1
    assert set(second.topics.all()) == {topics[0], topics[1]}
    assert set(second.areas.all()) == {areas[0], areas[1]}
    assert (second.language, second.frequency) == ("es", "weekly")


def test_all_of_chicago_once_chosen_is_kept_when_subscribing_again(subscribe, areas):
    subscribe(all_areas=True, areas=[])

    subscriber = subscribe(all_areas=False, areas=[areas[0]])

    assert subscriber.all_areas is True


def test_subscribing_twice_with_the_same_phone_keeps_one_subscriber(subscribe, topics):
    first = subscribe(email=None, phone="(312) 744-5000", topics=[topics[0]])

    second = subscribe(email=None, phone="+1 312 744 5000", topics=[topics[2]])

    assert second.pk == first.pk
    assert set(second.topics.all()) == {topics[0], topics[2]}


def test_an_email_added_to_a_phone_only_subscription_joins_it(subscribe):
    by_phone = subscribe(email=None, phone="312-744-5000")

    both = subscribe(email="resident@example.org", phone="312-744-5000")

    assert both.pk == by_phone.pk
    assert sorted(both.contact_points.values_list("kind", flat=True)) == ["email", "sms"]


def test_a_new_email_never_joins_a_phone_whose_subscription_already_has_an_email(subscribe):
    owner = subscribe(email="owner@example.org", phone="312-744-5000")

    other = subscribe(email="someone-else@example.org", phone="312-744-5000")

    assert other.pk != owner.pk
    assert list(owner.contact_points.filter(kind="email").values_list("value", flat=True)) == [
        "owner@example.org"
    ]
    assert list(other.contact_points.values_list("value", flat=True)) == ["someone-else@example.org"]


def test_the_confirmation_email_is_sent_again_while_not_confirmed(subscribe, mailoutbox):
    subscribe()

    subscribe()

    assert len(mailoutbox) == 2


def test_subscribing_again_when_active_adds_the_choices_without_an_email(subscribe, topics, mailoutbox):
    subscriber = subscribe(topics=[topics[0]])
    services.subscription_confirm(token=confirm_token_from(mailoutbox[0]))

    again = subscribe(topics=[topics[1]])

    assert again.status == Subscriber.Status.ACTIVE
    assert set(again.topics.all()) == {topics[0], topics[1]}
    assert len(mailoutbox) == 1
    assert again.pk == subscriber.pk


def test_an_unsubscribed_person_who_subscribes_again_is_pending_and_must_confirm_again(subscribe, mailoutbox):
    subscriber = subscribe()
    services.subscription_confirm(token=confirm_token_from(mailoutbox[0]))
    services.subscription_unsubscribe(
        token=token_of(subscription_links(subscriber)["unsubscribe_url"]), channel="web"
    )

    again = subscribe()

    assert again.pk == subscriber.pk
    assert again.status == Subscriber.Status.PENDING
    assert again.unsubscribed_at is None
    assert len(mailoutbox) == 2
    services.subscription_confirm(token=confirm_token_from(mailoutbox[1]))
    again.refresh_from_db()
    assert again.status == Subscriber.Status.ACTIVE
