import email
import email.policy
import logging
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.db import IntegrityError, transaction

from civicloop.subscriptions import services
from civicloop.subscriptions.errors import AlreadyConfirmed, LinkUsed, SubscriptionInvalid
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber
from civicloop.subscriptions.selectors import (
    consent_text,
    subscription_confirm_url,
    subscription_links,
    subscription_list_unsubscribe_headers,
)
from civicloop.subscriptions.tests.factories import ContactPointFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https://city\.example\.org/subscribe/confirm/[^/\s\"<]+/")


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def subscribe(topics, areas, django_capture_on_commit_callbacks):
    """subscription_request with sensible defaults, committing so emails really go out."""

    def _subscribe(**overrides):
        arguments = {
            "email": "resident@example.org",
            "phone": None,
            "topics": [topics[0]],
            "areas": [areas[0]],
            "all_areas": False,
            "language": "en",
            "frequency": "immediately",
        } | overrides
        with django_capture_on_commit_callbacks(execute=True):
            return services.subscription_request(**arguments)

    return _subscribe


def confirm_link_in(text: str) -> str:
    match = CONFIRM_LINK.search(text)
    assert match, "no confirmation link"
    return match.group(0)


def confirm_token_from(message) -> str:
    return token_of(confirm_link_in(message.body))


# --- subscribing -------------------------------------------------------------------------------


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


def test_subscribing_sends_exactly_one_confirmation_email_to_the_address(subscribe, mailoutbox):
    subscribe(email="resident@example.org")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["resident@example.org"]
    assert CONFIRM_LINK.search(mailoutbox[0].body)


def test_the_confirmation_email_has_text_and_html_with_the_same_link(subscribe, mailoutbox):
    subscribe()

    message = mailoutbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert confirm_link_in(html) == confirm_link_in(message.body)


def test_the_link_in_the_confirmation_email_confirms_the_subscription(subscribe, mailoutbox):
    subscriber = subscribe()

    services.subscription_confirm(token=confirm_token_from(mailoutbox[0]))

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


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


def test_a_spanish_subscriber_gets_the_email_in_spanish(subscribe, topics, mailoutbox):
    subscribe(language="es", topics=[topics[0]])

    message = mailoutbox[0]
    assert message.extra_headers["Content-Language"] == "es"
    # Topic names come from the database in the active language: proof the body was rendered in Spanish.
    assert "Salud" in message.body
    assert "Health" not in message.body
    assert '<html lang="es">' in message.alternatives[0][0]


def test_an_english_subscriber_gets_the_email_in_english(subscribe, topics, mailoutbox):
    subscribe(language="en", topics=[topics[0]])

    assert mailoutbox[0].extra_headers["Content-Language"] == "en"
    assert "Health" in mailoutbox[0].body


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


def test_a_failed_confirmation_email_is_logged_without_the_address(subscribe, settings, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2

    with caplog.at_level(logging.WARNING):
        subscriber = subscribe(email="private.person@example.org")

    assert subscriber.pk
    assert "could not be sent" in caplog.text
    assert "private.person" not in caplog.text


# --- real SMTP -------------------------------------------------------------------------------------


class CollectingHandler:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_the_confirmation_email_is_delivered_over_smtp(subscribe, settings, smtp_server):
    handler, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False

    subscribe(email="resident@example.org", language="es")

    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["resident@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["To"] == "resident@example.org"
    assert message["Content-Language"] == "es"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = (
        message.get_body(preferencelist=("plain",)),
        message.get_body(preferencelist=("html",)),
    )
    assert text_part is not None
    assert html_part is not None
    assert confirm_link_in(text_part.get_content()) == confirm_link_in(html_part.get_content())


# --- confirming --------------------------------------------------------------------------------------


def test_confirming_activates_the_subscriber_and_confirms_the_email(subscribe, mailoutbox):
    subscriber = subscribe()

    services.subscription_confirm(token=confirm_token_from(mailoutbox[0]))

    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
    assert subscriber.contact_points.get(kind="email").confirmed_at is not None


def test_confirming_records_consent(subscribe, mailoutbox):
    subscriber = subscribe()

    services.subscription_confirm(token=confirm_token_from(mailoutbox[0]), consent_language="en")

    record = subscriber.consent_records.get(action="confirm")
    assert record.text == consent_text(action="confirm", language="en")


def test_confirming_sends_nothing(subscribe, mailoutbox, django_capture_on_commit_callbacks):
    subscribe()

    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_confirm(token=confirm_token_from(mailoutbox[0]))

    assert len(mailoutbox) == 1


def test_confirming_an_active_subscription_again_changes_nothing(subscribe, mailoutbox):
    subscriber = subscribe()
    token = confirm_token_from(mailoutbox[0])
    services.subscription_confirm(token=token)
    confirmed_at = Subscriber.objects.get(pk=subscriber.pk).confirmed_at

    with pytest.raises(AlreadyConfirmed):
        services.subscription_confirm(token=token)

    assert Subscriber.objects.get(pk=subscriber.pk).confirmed_at == confirmed_at
    assert subscriber.consent_records.filter(action="confirm").count() == 1


def test_a_confirm_link_from_before_an_unsubscribe_no_longer_works(subscribe, mailoutbox):
    subscriber = subscribe()
    token = confirm_token_from(mailoutbox[0])
    services.subscription_unsubscribe(
        token=token_of(subscription_links(subscriber)["unsubscribe_url"]), channel="web"
    )

    with pytest.raises(LinkUsed):
        services.subscription_confirm(token=token)

    assert Subscriber.objects.get(pk=subscriber.pk).status == Subscriber.Status.UNSUBSCRIBED


# --- preferences -------------------------------------------------------------------------------------


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


# --- unsubscribing -----------------------------------------------------------------------------------


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


# --- links for later emails ----------------------------------------------------------------------------


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


def test_contact_points_are_unique_per_kind_and_value():
    ContactPointFactory.create(value="resident@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPointFactory.create(value="resident@example.org")


def test_the_confirmation_email_carries_preference_and_one_click_unsubscribe_links(subscribe, mailoutbox):
    subscriber = subscribe(email="links@example.org")

    (message,) = mailoutbox
    links = subscription_links(subscriber)
    assert links["preferences_url"] in message.body
    assert links["unsubscribe_url"] in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{links['unsubscribe_url']}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
