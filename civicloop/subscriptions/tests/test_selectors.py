"""Subscription reads (selectors.py): the links later emails carry and the one-click unsubscribe headers."""

import re

import pytest

from civicloop.subscriptions.selectors import (
    subscription_confirm_url,
    subscription_links,
    subscription_list_unsubscribe_headers,
)
from civicloop.subscriptions.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_subscription_links_are_absolute_and_lead_to_the_public_paths():
    subscriber = SubscriberFactory.create(active=True)

    links = subscription_links(subscriber)

    assert links["preferences_url"].startswith("https://city.example.org/preferences/")
    assert links["unsubscribe_url"].startswith("https://city.example.org/unsubscribe/")
    assert subscription_confirm_url(subscriber).startswith("https://city.example.org/subscribe/confirm/")


def test_list_unsubscribe_headers_offer_one_click():
    subscriber = SubscriberFactory.create(active=True)

    headers = subscription_list_unsubscribe_headers(subscriber)

    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://city\.example\.org/unsubscribe/[^>]+/>", headers["List-Unsubscribe"])
