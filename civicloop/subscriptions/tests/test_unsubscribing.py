"""Unsubscribing (services/unsubscribing.py): the subscription stopped, its links revoked, the link
used once, a one-click unsubscribe recorded without a text."""

import pytest

from civicloop.subscriptions import services
from civicloop.subscriptions.errors import LinkUsed
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.selectors import subscription_links
from civicloop.subscriptions.tests.conftest import token_of
from civicloop.subscriptions.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_unsubscribing_stops_the_subscription_and_revokes_its_links(topics):
    subscriber = SubscriberFactory.create(active=True)
    token = token_of(subscription_links(subscriber)["unsubscribe_url"])

    services.subscription_unsubscribe(token=token, channel="web")

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None
    assert subscriber.token_version == 2


def test_an_unsubscribe_link_works_only_once():
    subscriber = SubscriberFactory.create(active=True)
    token = token_of(subscription_links(subscriber)["unsubscribe_url"])
    services.subscription_unsubscribe(token=token, channel="web")

    with pytest.raises(LinkUsed):
        services.subscription_unsubscribe(token=token, channel="web")

    assert Subscriber.objects.get(pk=subscriber.pk).token_version == 2


def test_a_one_click_unsubscribe_records_that_no_text_was_shown():
    subscriber = SubscriberFactory.create(active=True)
    token = token_of(subscription_links(subscriber)["unsubscribe_url"])

    services.subscription_unsubscribe(token=token, channel=services.CHANNEL_EMAIL_ONE_CLICK)

    record = subscriber.consent_records.get()
    assert (record.action, record.channel, record.text) == ("unsubscribe", "email-one-click", "")
