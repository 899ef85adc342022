"""`civicloop bench sms` on a small run: its plan of texts, their signatures, its one JSON line."""

import json
import re
from collections import Counter, defaultdict
from urllib.parse import parse_qsl

from django.core.management import call_command
from django.test import Client
from twilio.request_validator import RequestValidator

from civicloop.assistant import bench
from civicloop.assistant.models import AssistantMessage

KEYS = {
    "suite",
    "messages",
    "retries",
    "sessions",
    "phones",
    "mix",
    "server",
    "generator",
    "connections",
    "workers",
    "threads",
    "model_threads",
    "seconds",
    "messages_per_second",
    "p50_ms",
    "p99_ms",
    "errors",
    "error_kinds",
    "retry_mismatches",
    "healthz_per_second",
    "healthz_p99_ms",
    "healthz_errors",
    "ratio_to_healthz",
    "faq_retrieval_p50_ms",
    "faq_retrieval_p99_ms",
    "faq_retrieval_repeated_p50_ms",
    "faq_retrieval_repeated_p99_ms",
    "faq_queries",
    "faq_entries",
    "faq_embedded",
    "faq_created",
    "stored_inbound",
    "handled_as",
    "load_seconds",
    "targets",
    "met",
    "database",
    "cpus",
    "python",
    "django",
    "load_average_before",
}


def test_the_command_serves_the_assistant_and_prints_one_json_line(capsys, transactional_db):
    # Given a short run: 120 texts from 30 numbers on 4 connections, one worker
    call_command(
        "bench",
        "sms",
        *("--messages", "120", "--phones", "30", "--connections", "4", "--warmup", "10"),
        *("--healthz-seconds", "1", "--faq-queries", "10", "--workers", "1"),
    )

    # Then it prints one JSON line: every text answered 200 with TwiML, and each retry as the first time
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert set(report) == KEYS
    assert report["suite"] == "sms" and report["server"].startswith("granian ")
    assert (report["connections"], report["workers"], report["threads"]) == (4, 1, 1)
    assert report["errors"] == 0 and report["error_kinds"] == {} and report["retry_mismatches"] == 0
    assert report["healthz_errors"] == 0
    # every text stored once, its retries answered from what was stored
    assert report["stored_inbound"] == 120 == sum(report["mix"].values())
    assert report["messages"] == 120 + report["retries"]
    assert sum(report["handled_as"].values()) == 120
    assert set(report["mix"]) == {"faq", "keyword", "stop_start", "intake"}
    assert report["messages_per_second"] > 0 and 0 < report["p50_ms"] <= report["p99_ms"]
    assert report["healthz_per_second"] > 0 and report["ratio_to_healthz"] > 0
    assert 0 < report["faq_retrieval_p50_ms"] <= report["faq_retrieval_p99_ms"]
    # A repeated question skips the model: faster than the same question the first time.
    assert 0 < report["faq_retrieval_repeated_p50_ms"] < report["faq_retrieval_p50_ms"]
    assert report["faq_queries"] == 10 and report["faq_entries"] == report["faq_created"] == 104
    assert report["targets"] == {
        "messages_per_second_min": 300.0,
        "p99_max_ms": 150.0,
        "faq_retrieval_p99_max_ms": 30.0,
    }
    assert report["met"] == bench.targets_met(report)


def test_the_plan_mixes_the_kinds_and_keeps_each_residents_texts_in_order():
    phones = bench.phone_numbers(500)
    sessions = bench.sessions_plan(messages=2000, phones=phones, status_ids=["26-00000042"], connections=8)

    texts = [text for session in sessions for text in session.texts]
    first_sends = [text for text in texts if not text.retry]
    # about 40 % FAQ, 20 % keywords, 10 % STOP/START and 30 % 311 reports, by messages
    assert len(first_sends) == 2000
    shares = Counter(text.kind for text in first_sends)
    for kind, share in bench.MIX.items():
        assert abs(shares[kind] / 2000 - share) <= 0.01, kind
    # fictional Chicago numbers in E.164, each text its own MessageSid but the retries
    assert all(re.fullmatch(r"\+1312555\d{4}", text.phone) for text in texts)
    assert len({text.sid for text in first_sends}) == 2000
    retries = [(n, text) for n, text in enumerate(texts) if text.retry]
    assert 0.005 < len(retries) / 2000 < 0.04
    assert all(texts[n - 1].sid == text.sid and texts[n - 1].body == text.body for n, text in retries)
    # a number that stops texts START later, sessions apart, and sends nothing else
    by_phone: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for position, session in enumerate(sessions):
        for text in session.texts:
            if text.kind == "stop_start" and not text.retry:
                by_phone[session.phone].append((position, text.body))
    assert by_phone
    for phone, sent in by_phone.items():
        assert [body for _, body in sent] == ["STOP", "START"] * (len(sent) // 2), phone
        assert all(start - stop >= 8 for (stop, _), (start, _) in zip(sent[::2], sent[1::2], strict=True))
        assert {text.kind for s in sessions if s.phone == phone for text in s.texts} == {"stop_start"}
    # the 311 reports begin with the problem and where it is
    assert any(text.body == "pothole on 35th and Halsted" for text in texts)


def test_a_planned_text_is_signed_as_twilio_signs_it_and_the_webhook_answers_it(settings, db):
    # Given the bench server's settings: the public URL and an auth token
    settings.SITE_URL, settings.TWILIO_AUTH_TOKEN = bench.SITE_URL, "bench-token-0123456789abcdef"
    session = bench.sessions_plan(messages=10, phones=bench.phone_numbers(20), status_ids=[], connections=1)[
        0
    ]
    text = session.texts[0]
    raw = bench.signed_request(
        text, validator=RequestValidator("bench-token-0123456789abcdef"), host="127.0.0.1:8000"
    )
    head, body = raw.split(b"\r\n\r\n", 1)
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    params = dict(parse_qsl(body.decode()))
    assert params["MessageSid"] == text.sid and params["From"] == text.phone and params["Body"] == text.body
    assert int(headers["Content-Length"]) == len(body)

    # Then Twilio's validator accepts the signature over the public URL, and so does the webhook
    validator = RequestValidator("bench-token-0123456789abcdef")
    url = bench.SITE_URL + bench.INBOUND_PATH
    assert validator.validate(url, params, headers["X-Twilio-Signature"])
    response = Client().post(
        bench.INBOUND_PATH,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": headers["X-Twilio-Signature"]},
    )
    assert response.status_code == 200 and bench._is_twiml(response["Content-Type"], response.content)
    assert AssistantMessage.objects.filter(provider_message_id=text.sid).count() == 1
