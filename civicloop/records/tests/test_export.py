import io
import json
import logging
from datetime import datetime

from django.core.management import call_command

from civicloop.records.models import RecordsRequest
from civicloop.records.registry import holdings
from civicloop.records.selectors import records_export, subject_find
from civicloop.records.services import records_export_json
from civicloop.records.tests.conftest import EMAIL, PHONE


def _rows(document, name):
    return document["datasets"][name]["rows"]


def test_the_export_by_email_holds_every_dataset_of_the_resident_and_nobody_else_s(resident, neighbour):
    document = json.loads(
        records_export_json(subject=subject_find(email="  Ana.Lopez@Example.org "), source="command")
    )

    assert {(row["kind"], row["value"]) for row in _rows(document, "subscriptions.contact_points")} == {
        ("email", EMAIL),
        ("sms", PHONE),  # the same subscriber's number: the same person
    }
    assert [row["public_id"] for row in _rows(document, "servicerequests.requests")] == [
        resident.request.public_id
    ]
    assert _rows(document, "servicerequests.requests")[0]["last_name"] == "Lopez"
    assert [row["title"] for row in _rows(document, "engage.ideas")] == [resident.idea.title]
    assert [row["body"] for row in _rows(document, "engage.comments")] == [resident.comment.body]
    assert [row["username"] for row in _rows(document, "accounts.users")] == ["ana"]
    assert [row["body"] for row in _rows(document, "assistant.messages") if row["direction"] == "in"] == [
        "HELP",
        "STOP",
    ]
    assert _rows(document, "delivery.suppressions") == [
        {
            "channel": "sms",
            "value": PHONE,
            "reason": "opted_out",
            "created_at": _rows(document, "delivery.suppressions")[0]["created_at"],
        }
    ]
    assert _rows(document, "subscriptions.consent_records")[0]["action"] == "subscribe"
    assert set(document["datasets"]) == {declared.name for declared in holdings()}
    # Nothing of the neighbour's anywhere in it.
    text = json.dumps(document)
    assert "Okafor" not in text and "ben.okafor" not in text and "+13125550999" not in text


def test_dates_are_iso_8601_and_the_text_is_utf_8(resident):
    raw = records_export_json(subject=subject_find(phone="(312) 555-0123"), source="command")
    document = json.loads(raw.decode("utf-8"))
    created = _rows(document, "engage.ideas")[0]["created_at"]
    assert datetime.fromisoformat(created.replace("Z", "+00:00")) == resident.idea.created_at
    assert datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00"))


def test_the_export_by_phone_finds_the_texts_the_request_and_through_the_subscription_the_email(resident):
    document = records_export(subject_find(phone="312.555.0123"))
    assert _rows(document, "assistant.conversations")[0]["phone"] == PHONE
    assert _rows(document, "servicerequests.requests")[0]["public_id"] == resident.request.public_id
    assert _rows(document, "engage.ideas")  # the email's light account, via the same subscriber


def test_the_export_is_one_query_per_dataset_however_much_is_held(
    resident, neighbour, django_assert_max_num_queries
):
    subject = subject_find(email=EMAIL)
    with django_assert_max_num_queries(len(holdings())):
        records_export(subject)


def test_an_address_nobody_used_exports_empty_datasets(resident):
    document = records_export(subject_find(email="nobody@example.org"))
    assert all(not dataset["rows"] for dataset in document["datasets"].values())


def test_the_command_writes_the_json_and_the_request_is_recorded_without_the_address(resident, caplog):
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="civicloop.records"):
        call_command("records", "export", "--email", EMAIL, stdout=out)
    document = json.loads(out.getvalue())
    assert _rows(document, "engage.ideas")
    entry = RecordsRequest.objects.get()
    assert (entry.kind, entry.source, entry.identified_by) == ("export", "command", "email")
    assert entry.counts["engage.ideas"] == 1
    assert "records: export (email) by command" in caplog.text
    for secret in (EMAIL, PHONE, "5550123", "ana.lopez"):
        assert secret not in caplog.text
        assert secret not in json.dumps(entry.counts)
