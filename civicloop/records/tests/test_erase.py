import dataclasses
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from civicloop.accounts.models import User
from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.inbound import inbound_sms_handle
from civicloop.delivery.models import Delivery, Suppression
from civicloop.engage.models import Comment, Idea, IdeaFollower, Participant, Support
from civicloop.records import registry
from civicloop.records.models import RecordsRequest
from civicloop.records.registry import Erasure, holdings
from civicloop.records.selectors import records_export, subject_find
from civicloop.records.services import records_erase
from civicloop.records.tests.conftest import EMAIL, PHONE
from civicloop.servicerequests.models import Follower, ServiceRequest
from civicloop.subscriptions.models import ConsentRecord, ContactPoint, Subscriber

KEPT = {declared.name for declared in holdings() if declared.erasure == Erasure.KEPT}


def _held(document):
    return {name: dataset["rows"] for name, dataset in document["datasets"].items() if dataset["rows"]}


def test_after_erasure_nothing_is_held_but_the_suppression_that_keeps_stop(resident, neighbour):
    records_erase(subject=subject_find(email=EMAIL), source="command")

    for identifiers in ({"email": EMAIL}, {"phone": PHONE}, {"email": EMAIL, "phone": PHONE}):
        held = _held(records_export(subject_find(**identifiers)))
        assert set(held) <= KEPT, identifiers
    assert _held(records_export(subject_find(phone=PHONE))) == {
        "delivery.suppressions": [
            {
                "channel": "sms",
                "value": PHONE,
                "reason": "opted_out",
                "created_at": Suppression.objects.get(value=PHONE).created_at,
            }
        ]
    }
    # The neighbour's records are untouched.
    neighbour_held = _held(records_export(subject_find(email="ben.okafor@example.org")))
    assert {"engage.ideas", "servicerequests.requests", "assistant.messages", "accounts.users"} <= set(
        neighbour_held
    )


def test_the_idea_the_comment_and_the_311_request_stay_public_without_the_name(resident):
    client = Client()
    before = client.get(resident.idea.get_absolute_url())
    assert before.status_code == 200 and "Ana Lopez" in before.content.decode()

    records_erase(subject=subject_find(phone="(312) 555-0123"), source="command")

    page = client.get(resident.idea.get_absolute_url()).content.decode()
    assert resident.idea.title in page
    assert resident.comment.body.replace(",", "") in page.replace(",", "")
    assert "Ana Lopez" not in page
    assert "Former resident" in page
    response = client.get(resident.request.get_absolute_url())
    assert response.status_code == 200
    assert resident.request.description.replace("'", "&#x27;") in response.content.decode()
    request = ServiceRequest.objects.get(pk=resident.request.pk)
    assert (request.email, request.phone, request.first_name, request.last_name) == ("", "", "", "")
    # The counts on the idea still add up: the support stays, without its network key.
    assert Support.objects.filter(idea=resident.idea).values_list("network_key", flat=True).get() == ""
    assert Idea.objects.get(pk=resident.idea.pk).supports_count == 1
    assert Comment.objects.filter(pk=resident.comment.pk).exists()


def test_stop_still_holds_after_erasure(resident):
    records_erase(subject=subject_find(email=EMAIL), source="command")

    assert Suppression.objects.filter(channel="sms", value=PHONE, reason="opted_out").exists()
    # The number texts again: a new conversation, and still only the "reply START" sentence.
    reply = inbound_sms_handle(message_sid="SMana9", from_number=PHONE, body="Where do I get a permit?")
    assert "START" in reply.text
    assert AssistantMessage.objects.filter(conversation__phone=PHONE, handled_as="start_hint").exists()


def test_personal_rows_are_deleted_or_blanked_and_the_account_deactivated(resident):
    participant_before = Participant.objects.get(pk=resident.participant.pk)
    assert participant_before.confirmed_at is not None
    records_erase(subject=subject_find(email=EMAIL), source="command")

    account = User.objects.get(pk=resident.account.pk)
    assert not account.is_active and not account.has_usable_password()
    assert (account.email, account.first_name, account.last_name) == ("", "", "")
    assert account.username == f"former-resident-{account.pk}"
    participant = Participant.objects.get(pk=resident.participant.pk)
    assert participant.display_name == "Former resident"
    assert participant.confirmed_at is None
    assert participant.token_version > participant_before.token_version  # sign-in links die
    assert not ContactPoint.objects.filter(value__in=[EMAIL, PHONE]).exists()
    subscriber = Subscriber.objects.get(contact_points__pk=resident.participant.contact_point_id or 0)
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert not subscriber.topics.exists()
    assert not ConsentRecord.objects.filter(subscriber=subscriber).exists()
    assert not Conversation.objects.filter(phone=PHONE).exists()
    assert not Follower.objects.filter(request=resident.request).exists()
    assert not IdeaFollower.objects.filter(participant=participant).exists()
    assert not Delivery.objects.filter(
        contact_point__subscriber=subscriber, status=Delivery.Status.QUEUED
    ).exists()


def test_erasure_reports_counts_per_dataset_and_records_the_request_without_contact_details(resident, caplog):
    with caplog.at_level(logging.INFO, logger="civicloop.records"):
        outcome = records_erase(subject=subject_find(email=EMAIL), source="command")

    assert outcome.datasets["subscriptions.contact_points"] == ("blanked", 2, 2)
    assert outcome.datasets["engage.ideas"] == ("anonymised", 1, 0)
    assert outcome.datasets["assistant.conversations"] == ("deleted", 1, 1)
    assert outcome.datasets["delivery.suppressions"] == ("kept", 1, 0)
    held, changed = outcome.datasets["assistant.messages"][1:]
    assert held == changed == 4  # HELP and its answer, STOP and its confirmation
    assert not AssistantMessage.objects.exists()
    entry = RecordsRequest.objects.get(kind="erasure")
    assert entry.counts["engage.ideas"] == {"action": "anonymised", "held": 1, "changed": 0}
    assert "records: erasure (email) by command" in caplog.text
    for secret in (EMAIL, PHONE, "5550123", "Lopez"):
        assert secret not in caplog.text
        assert secret not in json.dumps(entry.counts)


def test_a_failure_midway_erases_nothing(resident, monkeypatch):
    def broken(rows, subject, now):
        raise RuntimeError("disk full")

    last = holdings()[-1]  # runs after everything else has changed
    monkeypatch.setitem(registry._holdings, last.name, dataclasses.replace(last, erase=broken))
    with pytest.raises(RuntimeError):
        records_erase(subject=subject_find(email=EMAIL), source="command")
    assert ContactPoint.objects.filter(value=EMAIL).exists()
    assert ServiceRequest.objects.get(pk=resident.request.pk).last_name == "Lopez"
    assert not RecordsRequest.objects.exists()


def test_the_command_asks_before_erasing_unless_told_yes(resident, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing erased"):
        call_command("records", "erase", "--email", EMAIL, stdout=io.StringIO())
    assert ContactPoint.objects.filter(value=EMAIL).exists()

    out = io.StringIO()
    call_command("records", "erase", "--phone", "312 555 0123", "--yes", stdout=out)
    assert "engage.ideas: 1 row(s), anonymised" in out.getvalue()
    assert not ContactPoint.objects.filter(value=EMAIL).exists()


def test_the_command_refuses_an_unreadable_number(db):
    with pytest.raises(CommandError):
        call_command("records", "erase", "--phone", "12", "--yes", stdout=io.StringIO())
