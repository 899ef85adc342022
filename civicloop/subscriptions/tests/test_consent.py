"""The consent record (services/consent.py): the words shown, in the page's language, and a snapshot of
the choices at that moment."""

import pytest

from civicloop.subscriptions.selectors import consent_text

pytestmark = pytest.mark.django_db


def test_subscribing_records_the_consent_text_shown_in_the_page_language(subscribe):
    subscriber = subscribe(language="en", consent_language="es")

    record = subscriber.consent_records.get()
    assert (record.action, record.channel, record.language) == ("subscribe", "web", "es")
    assert record.text == consent_text(action="subscribe", language="es")
    assert record.text


def test_the_consent_record_keeps_a_snapshot_of_the_choices(subscribe, topics, areas):
    subscriber = subscribe(topics=[topics[1]], areas=[areas[2]], frequency="daily")

    assert subscriber.consent_records.get().preferences == {
        "topics": ["housing"],
        "areas": [32],
        "all_areas": False,
        "language": "en",
        "frequency": "daily",
    }
