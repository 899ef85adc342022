"""`civicloop bench inbox` on a small run: its signed events, each stored once, and its one JSON line."""

import json
from collections import Counter

from django.core.management import call_command

from civicloop.assistant.bench.inbox_events import MIX, NetworkAccounts, events_plan
from civicloop.assistant.bench.inbox_run import targets_met
from civicloop.integrations.social.meta_events import meta_signature_valid
from civicloop.integrations.social.x_events import x_signature_valid


def test_the_command_drives_every_network_and_lists_the_inbox(capsys, transactional_db):
    call_command(
        "bench",
        "inbox",
        *("--events", "300", "--warmup", "20", "--connections", "4", "--workers", "1"),
        *("--healthz-seconds", "1", "--conversations", "300", "--messages", "1500", "--repeat", "3"),
    )

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["suite"] == "inbox" and report["server"].startswith("granian ")
    assert report["errors"] == 0 and report["error_kinds"] == {}
    # every event answered and stored once; retries add nothing
    assert report["events"] == 300 + report["retries"]
    assert report["stored_once"] and report["stored_inbound"] == report["stored_expected"] == 320
    assert set(report["stored_by_channel"]) == {"facebook", "instagram", "x", "whatsapp", "sms"}
    assert set(report["p99_ms_by_kind"]) == set(MIX)
    assert report["events_per_second"] > 0 and 0 < report["p50_ms"] <= report["p99_ms"]
    assert report["healthz_per_second"] > 0 and report["ratio_to_healthz"] > 0
    assert (report["inbox_conversations"], report["inbox_messages"]) == (300, 1500)
    assert report["inbox_list_p50_ms"] > 0 and report["inbox_filtered_p50_ms"] > 0
    # a fixed number of queries a page, as test_inbox's bound (no N+1 over 300 conversations)
    assert report["inbox_list_queries"] <= 12 and report["inbox_filtered_queries"] <= 12
    assert report["met"] == targets_met(report)


def test_the_plan_signs_each_event_as_its_network_does_and_retries_repeat_one():
    accounts = NetworkAccounts()
    plan = events_plan(2000, accounts=accounts, host="127.0.0.1:1")

    first = [event for event in plan if not event.retry]
    shares = Counter(event.kind for event in first)
    total = sum(MIX.values())
    for kind, weight in MIX.items():
        assert abs(shares[kind] / 2000 - weight / total) <= 0.03, kind
    assert len({(event.kind, event.key) for event in first}) == 2000
    retries = [event for event in plan if event.retry]
    assert 0.01 < len(retries) / 2000 < 0.06
    for event in first[:200]:
        head, body = event.request.split(b"\r\n\r\n", 1)
        headers = dict(
            line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line
        )
        if event.kind.startswith(("facebook", "instagram")):
            assert meta_signature_valid(body, headers["X-Hub-Signature-256"], app_secret=accounts.meta_secret)
        elif event.kind == "x_mention":
            assert x_signature_valid(
                body, headers["x-twitter-webhooks-signature"], consumer_secret=accounts.x_secret
            )
        else:
            assert "X-Twilio-Signature" in headers
