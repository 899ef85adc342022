"""A subscriber's choices checked (services/choices.py): at least one topic, topics from the list, and
areas or All of Chicago."""

import pytest

from civicloop.subscriptions.errors import SubscriptionInvalid
from civicloop.subscriptions.models import Subscriber

pytestmark = pytest.mark.django_db


def test_a_request_without_topics_is_refused(subscribe):
    with pytest.raises(SubscriptionInvalid) as raised:
        subscribe(topics=[])

    assert raised.value.field == "topics"


def test_a_request_with_an_unknown_topic_is_refused(subscribe):
    with pytest.raises(SubscriptionInvalid) as raised:
        subscribe(topics=[999_999])

    assert raised.value.field == "topics"
    assert Subscriber.objects.count() == 0


def test_a_request_without_areas_or_all_of_chicago_is_refused(subscribe):
    with pytest.raises(SubscriptionInvalid) as raised:
        subscribe(areas=[], all_areas=False)

    assert raised.value.field == "areas"
