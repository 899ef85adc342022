"""SMTP pipelining against real servers: aiosmtpd offering PIPELINING, and the benchmark's counter."""

import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from civicloop.announcements.tests.factories import make_topic
from civicloop.delivery.models import Delivery
from civicloop.delivery.sending import deliveries_send_pending
from civicloop.delivery.smtp_pipeline import Envelope, offers_pipelining, send_pipelined
from civicloop.delivery.tests.factories import make_subscriber
from civicloop.delivery.tests.smtp_sink import free_port, smtp_sink
from civicloop.delivery.tests.test_sending import published

PROJECT = Path(__file__).resolve().parents[3]


def message(to: str, body: bytes) -> bytes:
    return b"From: city@example.org\r\nTo: " + to.encode() + b"\r\nSubject: Test\r\n\r\n" + body


def test_each_message_gets_its_own_reply_in_order_and_a_refusal_does_not_stop_the_rest():
    with smtp_sink(pipelining=True) as (sink, port):
        sink.refuse["gone@example.org"] = "550 5.1.1 No such user"
        sink.refuse_data["full@example.org"] = "452 4.2.2 Mailbox full"
        addresses = [
            "a@example.org",
            "gone@example.org",
            "b@example.org",
            "full@example.org",
            "c@example.org",
        ]
        envelopes = [Envelope(n, to, message(to, b"Hello\r\n")) for n, to in enumerate(addresses)]
        smtp = smtplib.SMTP("127.0.0.1", port)
        assert offers_pipelining(smtp)
        replies = list(send_pipelined(smtp, "city@example.org", envelopes))
        smtp.quit()

    assert [(reply.delivery_id, reply.code) for reply in replies] == [
        (0, 250),
        (1, 550),
        (2, 250),
        (3, 452),
        (4, 250),
    ]
    assert "No such user" in replies[1].text
    assert sorted(str(m["To"]) for m in sink.messages) == ["a@example.org", "b@example.org", "c@example.org"]


def test_lines_that_start_with_a_dot_arrive_intact():
    body = b".hidden line\r\n..two dots\r\nmiddle\r\n.\r\nlast line without an end"
    with smtp_sink(pipelining=True) as (sink, port):
        smtp = smtplib.SMTP("127.0.0.1", port)
        (reply,) = send_pipelined(
            smtp, "city@example.org", [Envelope(1, "a@example.org", message("a", body))]
        )
        smtp.quit()

    assert reply.code == 250
    received = sink.messages[0].get_content().replace("\r\n", "\n")
    assert received == body.decode().replace("\r\n", "\n") + "\n"


def test_a_server_without_pipelining_is_not_offered_it():
    with smtp_sink(pipelining=False) as (_sink, port):
        smtp = smtplib.SMTP("127.0.0.1", port)
        assert not offers_pipelining(smtp)
        smtp.quit()


@pytest.mark.django_db
def test_a_421_mid_batch_loses_nothing_and_sends_nothing_twice(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PARALLEL_CONNECTIONS = 1
    housing = make_topic()
    for n in range(8):
        make_subscriber(email=f"p{n}@example.org", topics=[housing])
    published(topics=[housing])
    with smtp_sink(pipelining=True) as (sink, port):
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        sink.refuse["p3@example.org"] = "421 4.3.2 Shutting down"
        deliveries_send_pending(channel="email")
        first_round = len(sink.messages)
        waiting = Delivery.objects.filter(status="queued").count()
        del sink.refuse["p3@example.org"]
        Delivery.objects.filter(status="queued").update(next_attempt_at=timezone.now())  # the retry is due
        deliveries_send_pending(channel="email")

    assert 1 <= waiting <= 8 - first_round  # p3 and whatever followed it were queued again, not lost
    assert list(Delivery.objects.values_list("status", flat=True).distinct()) == ["sent"]
    received = sorted(str(m["To"]) for m in sink.messages)
    assert received == sorted(f"p{n}@example.org" for n in range(8))  # each once


def test_the_benchmark_counter_accepts_pipelined_and_plain_sends():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "civicloop.delivery.smtp_counter", str(port)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        smtp = smtplib.SMTP("127.0.0.1", port)
        assert offers_pipelining(smtp)
        bodies = [b"one\r\n", b".dot first\r\n", b"x" * 70_000, b""]
        envelopes = [
            Envelope(n, "a@example.org", message("a@example.org", body)) for n, body in enumerate(bodies)
        ]
        replies = list(send_pipelined(smtp, "city@example.org", envelopes))
        smtp.sendmail("city@example.org", ["b@example.org"], message("b@example.org", b"plain\r\n"))
        smtp.quit()
    finally:
        server.terminate()
        counted, _ = server.communicate(timeout=10)
    assert [reply.code for reply in replies] == [250, 250, 250, 250]
    assert int(counted.strip()) == 5
