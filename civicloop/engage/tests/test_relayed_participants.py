"""Residents whose words staff post as ideas from the inbox: known by the number they wrote from, or, with
no number, by a participant standing for the place they wrote; and the questions staff may post to."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from civicloop.engage.models import Participant
from civicloop.engage.selectors import questions_open_public
from civicloop.engage.services import (
    EngageInvalid,
    participant_for_relay,
    participant_for_resident_contact,
    participant_sign_in_request,
)
from civicloop.engage.tests.conftest import make_question, make_space

pytestmark = pytest.mark.django_db
PHONE = "+13125550123"


def test_a_resident_who_signed_in_by_that_number_is_the_same_participant_and_keeps_their_name():
    signed_up = participant_sign_in_request(contact="312-555-0123", display_name="Ana", language="es")
    assert signed_up.confirmed_at is None  # they never used the link

    found = participant_for_resident_contact(
        kind="sms", value=PHONE, display_name="A resident", language="en"
    )

    assert found.pk == signed_up.pk and found.display_name == "Ana"
    assert found.confirmed_at is not None  # writing from the number proves it, as the link would


def test_a_new_number_makes_one_confirmed_participant_per_channel():
    first = participant_for_resident_contact(kind="whatsapp", value=PHONE, display_name="Res", language="es")
    again = participant_for_resident_contact(
        kind="whatsapp", value=PHONE, display_name="Other", language="en"
    )
    by_text = participant_for_resident_contact(kind="sms", value=PHONE, display_name="Res", language="es")

    assert first.pk == again.pk and again.display_name == "Res" and again.language == "es"
    assert by_text.pk != first.pk and Participant.objects.count() == 2


def test_a_relayed_resident_is_one_participant_per_place_who_cannot_be_reached():
    first = participant_for_relay(
        relayed_from="inbox-conversation-7", display_name="A resident", language="en"
    )
    again = participant_for_relay(relayed_from="inbox-conversation-7", display_name="Other", language="en")
    other = participant_for_relay(
        relayed_from="inbox-conversation-8", display_name="A resident", language="en"
    )

    assert first.pk == again.pk != other.pk
    assert first.contact_point_id is None and first.user_id is None and first.confirmed_at is not None
    with pytest.raises(EngageInvalid):
        participant_for_relay(relayed_from=" ", display_name="A resident", language="en")


def test_a_participant_must_still_be_reachable_staff_or_relayed():
    with pytest.raises(IntegrityError):
        Participant.objects.create(display_name="Nobody", created_at=timezone.now())


def test_staff_may_post_for_residents_only_to_public_questions_open_now():
    now = timezone.now()
    public = make_space()
    open_now = make_question(public, text="Open")
    make_question(public, text="Closed", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
    make_question(public, text="Later", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9))
    make_question(make_space("staff", title="Staff"), text="Inside")
    make_question(make_space("invite", title="Invited"), text="Invited")

    assert questions_open_public() == [open_now]
