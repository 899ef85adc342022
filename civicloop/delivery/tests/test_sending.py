import re
from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_topic
from civicloop.delivery.fanout import announcement_fan_out
from civicloop.delivery.models import Delivery, Message, Suppression
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.delivery.services import (
    SendOutcome,
    announcement_message_ensure,
    deliveries_claim,
    deliveries_record,
    message_cancel,
    notification_send,
    retry_delay_seconds,
)
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.delivery.tests.smtp_sink import smtp_sink
from civicloop.integrations.errors import PermanentProviderError, TransientProviderError
from civicloop.subscriptions.models import Subscriber
from civicloop.subscriptions.selectors import subscription_links
from civicloop.subscriptions.tokens import TokenPurpose, token_read

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["one-by-one", "pipelined"])
def smtp(settings, request):
    # Every sending test runs against a server without and with PIPELINING (the two send paths).
    with smtp_sink(pipelining=request.param) as (sink, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.SITE_URL = "https://city.example.org"
        yield sink


def published(**kwargs):
    announcement = make_announcement(**kwargs)
    message, _ = announcement_message_ensure(announcement=announcement)
    announcement_fan_out(message=message)
    return announcement, message


def test_each_subscriber_receives_one_localized_email_with_one_click_unsubscribe(smtp):
    housing = make_topic()
    english = make_subscriber(email="en@example.org", topics=[housing])
    spanish = make_subscriber(email="es@example.org", topics=[housing], language="es")
    published(
        title="Rent help",
        summary="Apply now",
        spanish=("Ayuda con la renta", "Solicite **ya**."),
        topics=[housing],
    )

    sent = deliveries_send_pending(channel="email")

    assert sent == 2
    (en,) = smtp.to("en@example.org")
    (es,) = smtp.to("es@example.org")
    assert en["Subject"] == "Rent help" and es["Subject"] == "Ayuda con la renta"
    assert es["Content-Language"] == "es"
    assert "Solicite" in es.get_body(("plain",)).get_content()
    assert "<strong>ya</strong>" in es.get_body(("html",)).get_content()
    links = subscription_links(spanish)
    assert str(es["List-Unsubscribe"]).strip().startswith(f"<{links['unsubscribe_url']}>, <mailto:")
    assert es["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert links["preferences_url"] in es.get_body(("plain",)).get_content()
    # each recipient sees only their own links
    assert subscription_links(english)["unsubscribe_url"] not in es.as_string()
    assert en["List-Id"] and en["Message-ID"].startswith("<civicloop-")
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_sending_again_sends_nothing_more(smtp):
    housing = make_topic()
    make_subscriber(email="once@example.org", topics=[housing])
    published(topics=[housing])

    deliveries_send_pending(channel="email")
    deliveries_send_pending(channel="email")

    assert len(smtp.to("once@example.org")) == 1


def test_a_refused_address_fails_without_crashing_the_batch(smtp):
    housing = make_topic()
    make_subscriber(email="gone@example.org", topics=[housing])
    make_subscriber(email="fine@example.org", topics=[housing])
    smtp.refuse["gone@example.org"] = "550 5.1.1 No such user"
    published(topics=[housing])

    deliveries_send_pending(channel="email")

    gone = Delivery.objects.get(contact_point__value="gone@example.org")
    assert gone.status == Delivery.Status.BOUNCED and "550" in gone.error
    assert len(smtp.to("fine@example.org")) == 1


def test_a_temporary_refusal_is_retried_later(smtp):
    housing = make_topic()
    make_subscriber(email="busy@example.org", topics=[housing])
    smtp.refuse["busy@example.org"] = "451 4.3.0 Try again later"
    published(topics=[housing])

    deliveries_send_pending(channel="email")

    busy = Delivery.objects.get()
    assert busy.status == Delivery.Status.QUEUED and busy.attempts == 1
    assert busy.next_attempt_at > timezone.now() - timedelta(seconds=1)
    # once the server accepts again and the retry is due, it goes out
    del smtp.refuse["busy@example.org"]
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliveries_send_pending(channel="email")
    assert len(smtp.to("busy@example.org")) == 1


def test_an_unreachable_server_keeps_everything_queued(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    housing = make_topic()
    make_subscriber(email="a@example.org", topics=[housing])
    published(topics=[housing])

    deliveries_send_pending(channel="email")

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED and "SMTP connection failed" in delivery.error


def test_a_malformed_address_fails_with_a_reason(smtp):
    housing = make_topic()
    make_subscriber(email="not an address\n@x", topics=[housing])
    make_subscriber(email="ok@example.org", topics=[housing])
    published(topics=[housing])

    deliveries_send_pending(channel="email")

    bad = Delivery.objects.get(contact_point__value="not an address\n@x")
    assert bad.status == Delivery.Status.FAILED and bad.error
    assert len(smtp.to("ok@example.org")) == 1


def test_someone_who_unsubscribes_after_queueing_is_never_sent_to(smtp):
    housing = make_topic()
    leaver = make_subscriber(email="leaver@example.org", topics=[housing])
    published(topics=[housing])
    Subscriber.objects.filter(pk=leaver.pk).update(status="unsubscribed", unsubscribed_at=timezone.now())

    deliveries_send_pending(channel="email")

    assert smtp.messages == []
    assert Delivery.objects.get().status == Delivery.Status.SUPPRESSED


def test_an_address_suppressed_after_queueing_is_never_sent_to(smtp):
    housing = make_topic()
    make_subscriber(email="complained@example.org", topics=[housing])
    published(topics=[housing])
    Suppression.objects.create(channel="email", value="complained@example.org", reason="complained")

    deliveries_send_pending(channel="email")

    assert smtp.messages == []


def test_cancel_stops_the_rest_of_a_send(smtp):
    housing = make_topic()
    for number in range(3):
        make_subscriber(email=f"r{number}@example.org", topics=[housing])
    _, message = published(topics=[housing])

    cancelled = message_cancel(message=message)
    deliveries_send_pending(channel="email")

    assert cancelled == 3 and smtp.messages == []
    assert Message.objects.get(pk=message.pk).status == Message.Status.CANCELLED


def test_two_workers_never_hold_the_same_delivery():
    housing = make_topic()
    for number in range(5):
        make_subscriber(email=f"r{number}@example.org", topics=[housing])
    published(topics=[housing])

    _, first = deliveries_claim(channel="email", limit=3)
    _, second = deliveries_claim(channel="email", limit=10)

    assert len(first) == 3 and len(second) == 2
    assert not {d.pk for d in first} & {d.pk for d in second}


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_overwrite_it():
    housing = make_topic()
    make_subscriber(email="a@example.org", topics=[housing])
    published(topics=[housing])
    dead_token, (claimed,) = deliveries_claim(channel="email", limit=10)

    later = timezone.now() + timedelta(minutes=10)
    new_token, (again,) = deliveries_claim(channel="email", limit=10, now=later)
    deliveries_record(token=new_token, outcomes=[SendOutcome(again.pk)])
    deliveries_record(
        token=dead_token, outcomes=[SendOutcome(claimed.pk, error=PermanentProviderError("late"))]
    )

    delivery = Delivery.objects.get()
    assert again.pk == claimed.pk
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2


def test_transient_failures_give_up_after_the_maximum_attempts(settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    housing = make_topic()
    make_subscriber(email="a@example.org", topics=[housing])
    published(topics=[housing])

    for _ in range(2):
        token, batch = deliveries_claim(channel="email", limit=10, now=timezone.now() + timedelta(days=1))
        deliveries_record(
            token=token, outcomes=[SendOutcome(d.pk, error=TransientProviderError("503")) for d in batch]
        )

    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_repeated_permanent_failures_put_the_address_on_the_suppression_list(settings):
    settings.DELIVERY_SUPPRESS_AFTER_FAILURES = 2
    housing = make_topic()
    make_subscriber(email="dead@example.org", topics=[housing])
    for title in ("First", "Second"):
        published(title=title, topics=[housing])
        token, batch = deliveries_claim(channel="email", limit=10)
        deliveries_record(
            token=token,
            outcomes=[SendOutcome(d.pk, error=PermanentProviderError("550", code="550")) for d in batch],
        )

    assert Suppression.objects.filter(channel="email", value="dead@example.org", reason="bounced").exists()


def test_backoff_grows_exponentially_with_full_jitter_and_honours_retry_after(settings):
    settings.DELIVERY_RETRY_BASE_SECONDS, settings.DELIVERY_RETRY_CAP_SECONDS = 10, 100

    assert all(0 <= retry_delay_seconds(1) <= 10 for _ in range(50))
    assert all(0 <= retry_delay_seconds(3) <= 40 for _ in range(50))
    assert all(retry_delay_seconds(9) <= 100 for _ in range(50))
    assert max(retry_delay_seconds(3) for _ in range(200)) > 20  # jitter spreads retries
    assert retry_delay_seconds(1, retry_after=60) >= 60


def test_a_notification_goes_through_the_same_engine_in_the_recipients_language(smtp):
    subscriber = make_subscriber(email="author@example.org", language="es")
    contact = subscriber.contact_points.get()

    delivery = notification_send(
        contact_point=contact,
        template="notice",
        context={
            "title": "Su idea recibió respuesta",
            "body": "La ciudad respondió.",
            "link": "https://x.org/i/1",
        },
    )
    deliveries_send_pending(channel="email")

    (received,) = smtp.to("author@example.org")
    assert received["Subject"] == "Su idea recibió respuesta"
    assert "https://x.org/i/1" in received.get_body(("plain",)).get_content()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_alert_subject_is_marked(smtp):
    housing = make_topic()
    make_subscriber(email="a@example.org", topics=[housing])
    published(title="Boil water advisory", kind=Kind.ALERT, topics=[housing])

    deliveries_send_pending(channel="email")

    assert smtp.messages[0]["Subject"] == "Alert: Boil water advisory"


def test_a_body_whose_encoding_would_split_the_link_stand_ins_takes_the_full_build(smtp):
    from civicloop.delivery.email import _raw_template

    housing = make_topic()
    subscriber = make_subscriber(email="long@example.org", topics=[housing])
    # a line over 998 characters forces quoted-printable, which folds lines and could split a stand-in
    _, message = published(title="Long", body="word " * 400, topics=[housing])

    deliveries_send_pending(channel="email")

    (received,) = smtp.to("long@example.org")
    links = subscription_links(subscriber)
    assert links["unsubscribe_url"] in received.get_body(("plain",)).get_content()
    assert str(received["List-Unsubscribe"]).strip().startswith(f"<{links['unsubscribe_url']}>")
    assert _raw_template(message.pk, "en", str(message.created_at)) is None


def test_the_fast_path_gives_each_recipient_their_own_headers_and_links(smtp):
    housing = make_topic()
    people = [make_subscriber(email=f"p{n}@example.org", topics=[housing]) for n in range(12)]
    _, message = published(topics=[housing], spanish=("Ayuda con la renta: sí", "Solicite ya, por favor."))
    from civicloop.delivery.email import _raw_template

    assert _raw_template(message.pk, "en", str(message.created_at)) is not None  # the fast path is used

    deliveries_send_pending(channel="email")

    assert len(smtp.messages) == 12
    for person in people:
        address = person.contact_points.get().value
        (received,) = smtp.to(address)
        # The tokens carry the second they were made, so they are read back, not compared with new ones.
        unsubscribe = re.search(r"<(https://[^>]+/unsubscribe/([^/>]+)/)>", str(received["List-Unsubscribe"]))
        preferences = re.search(
            r'href="[^"]+/preferences/([^/"]+)/"', received.get_body(("html",)).get_content()
        )
        assert unsubscribe and preferences
        assert token_read(token=unsubscribe[2], purpose=TokenPurpose.UNSUBSCRIBE).subscriber_id == person.pk
        assert token_read(token=preferences[1], purpose=TokenPurpose.PREFERENCES).subscriber_id == person.pk
    assert len({str(m["Message-ID"]) for m in smtp.messages}) == 12


def test_a_provider_backend_through_anymail_gets_complete_localized_messages(settings, mailoutbox):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.SITE_URL = "https://city.example.org"
    housing = make_topic()
    spanish = make_subscriber(email="es@example.org", topics=[housing], language="es")
    published(title="Rent help", spanish=("Ayuda con la renta", "Solicite ya."), topics=[housing])

    deliveries_send_pending(channel="email")

    (sent,) = mailoutbox
    assert sent.anymail_status.status == {"sent"}
    assert sent.subject == "Ayuda con la renta"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert subscription_links(spanish)["unsubscribe_url"] in sent.extra_headers["List-Unsubscribe"]
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_fan_out_whose_task_was_lost_is_resumed_when_a_worker_starts():
    from django_tasks_db.models import DBTaskResult

    from civicloop.delivery.services import announcement_delivery_start
    from civicloop.delivery.tasks import resume_unfinished_sends

    announcement = make_announcement(kind=Kind.ALERT, topics=[make_topic()])
    announcement_delivery_start(announcement_id=announcement.pk)
    assert Message.objects.get(announcement=announcement).status == Message.Status.FANNING_OUT
    DBTaskResult.objects.all().delete()  # the queue lost the fan-out task

    resume_unfinished_sends()

    (task,) = DBTaskResult.objects.filter(task_path__endswith="fan_out_announcement")
    assert task.args_kwargs["args"] == [announcement.pk]
    assert task.priority > 0  # an alert goes first
