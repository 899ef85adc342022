"""Changing preferences (services/preferences.py): the choices replaced, consent recorded, a choice
without a topic refused."""

import pytest

from civicloop.subscriptions import services
from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.selectors import consent_text, subscription_links
from civicloop.subscriptions.tests.conftest import token_of
from civicloop.subscriptions.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_changing_preferences_replaces_the_choices(topics, areas):
    subscriber = SubscriberFactory.create(active=True, topics=[topics[0], topics[1]], all_areas=True)
    token = token_of(subscription_links(subscriber)["preferences_url"])

    services.subscription_preferences_update(
        token=token, topics=[topics[2]], areas=[areas[1]], all_areas=False, language="es", frequency="weekly"
    )

    subscriber.refresh_from_db()
    assert list(subscriber.topics.all()) == [topics[2]]
    assert list(subscriber.areas.all()) == [areas[1]]
    assert (subscriber.all_areas, subscriber.language, subscriber.frequency) == (False, "es", "weekly")


def test_changing_preferences_records_consent(topics):
    subscriber = SubscriberFactory.create(active=True, topics=[topics[0]])
    token = token_of(subscription_links(subscriber)["preferences_url"])

    services.subscription_preferences_update(
        token=token, topics=[topics[1]], areas=[], all_areas=True, language="en", frequency="daily"
    )

    record = subscriber.consent_records.get()
    assert (record.action, record.channel) == ("preferences_change", "web")
    assert record.text == consent_text(action="preferences_change", language="en")
    assert record.preferences["topics"] == ["housing"]


def test_preferences_without_a_topic_are_refused_and_nothing_changes(topics):
    subscriber = SubscriberFactory.create(active=True, topics=[topics[0]])
    token = token_of(subscription_links(subscriber)["preferences_url"])

    with pytest.raises(SubscriptionInvalid):
        services.subscription_preferences_update(
            token=token, topics=[], areas=[], all_areas=True, language="en", frequency="daily"
        )

    assert list(subscriber.topics.all()) == [topics[0]]
    assert not subscriber.consent_records.exists()
