"""Double opt-in (services/confirmation.py): the confirmation email (text and HTML, in the subscriber's
language, over real SMTP, its failure logged without the address) and confirming by its link."""

import email
import email.policy
import logging
import socket

import pytest
from aiosmtpd.controller import Controller

from civicloop.subscriptions import services
from civicloop.subscriptions.errors import AlreadyConfirmed, LinkUsed
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.selectors import consent_text, subscription_links
from civicloop.subscriptions.tests.conftest import CONFIRM_LINK, confirm_link_in, confirm_token_from, token_of

pytestmark = pytest.mark.django_db


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


def test_the_confirmation_email_carries_preference_and_one_click_unsubscribe_links(subscribe, mailoutbox):
    subscriber = subscribe(email="links@example.org")

    (message,) = mailoutbox
    links = subscription_links(subscriber)
    assert links["preferences_url"] in message.body
    assert links["unsubscribe_url"] in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{links['unsubscribe_url']}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


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
