"""Close the loop on ideas: status changes and official replies reach author, supporters and followers."""

import pytest
from django.core import mail
from django.core.management import call_command

from civicloop.delivery.models import Delivery, Message
from civicloop.engage.models import Idea, IdeaStatusChange
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import (
    EngageInvalid,
    comment_create,
    idea_create,
    idea_follow,
    idea_follow_stop,
    idea_status_change,
    idea_support,
    official_reply_create,
)
from civicloop.engage.tests.conftest import make_resident
from civicloop.engage.tokens import stop_token

pytestmark = pytest.mark.django_db


def as_viewer(participant):
    return viewer_for(user=None, participant_id=participant.pk)


@pytest.fixture
def people(question):
    """An idea by Spanish-speaking Ana, supported by Ben (SMS), followed by Cy; Dee follows then stops."""
    ana = make_resident("ana@example.org", name="Ana", language="es")
    ben = make_resident("+1 312 555 0111", name="Ben")
    cy = make_resident("cy@example.org", name="Cy")
    dee = make_resident("dee@example.org", name="Dee")
    idea = idea_create(question=question, viewer=as_viewer(ana), title="Splash pad", body="For hot days.")
    idea_support(idea=idea, viewer=as_viewer(ben))
    idea_support(idea=idea, viewer=as_viewer(ana))  # the author supports too: still told once
    idea_follow(idea=idea, viewer=as_viewer(cy))
    idea_follow(idea=idea, viewer=as_viewer(dee))
    idea_follow(idea=idea, viewer=as_viewer(dee), follow=False)
    return idea, ana, ben, cy, dee


def recipients(message):
    return sorted(
        Delivery.objects.filter(message=message).values_list("contact_point__value", "channel", "language")
    )


def test_a_status_change_is_one_message_with_a_delivery_per_person_in_their_language(people):
    idea, *_ = people

    change = idea_status_change(idea=idea, status="accepted", actor=None)

    (message,) = Message.objects.filter(template="idea_status")
    assert message.kind == Message.Kind.NOTIFICATION and message.recipients == 3
    assert message.context["status"] == "accepted" and message.context["idea_id"] == idea.pk
    assert recipients(message) == [
        ("+13125550111", "sms", "en"),
        ("ana@example.org", "email", "es"),
        ("cy@example.org", "email", "en"),
    ]
    assert list(IdeaStatusChange.objects.filter(idea=idea).values_list("status", flat=True)) == [
        "under_consideration",
        "accepted",
    ]
    assert change.department == "Chicago Park District"


def test_not_planned_needs_a_reason_and_nothing_changes_without_one(people):
    idea, *_ = people

    with pytest.raises(EngageInvalid) as refused:
        idea_status_change(idea=idea, status="not_planned", reason="  ")

    assert refused.value.field == "reason"
    assert Idea.objects.get().status == "under_consideration"
    assert not Message.objects.filter(template="idea_status").exists()


@pytest.mark.django_db(transaction=True)  # the worker sees only committed rows
def test_the_update_reads_in_the_recipients_language(people, settings):
    idea, *_ = people
    settings.SMS_BACKEND = "console"
    idea_status_change(idea=idea, status="not_planned", reason="No water line there.")

    call_command("worker", batch=True)

    # The status update to each address (the outbox may also hold their sign-in links, in any order).
    updates = [email for email in mail.outbox if "No water line there." in email.body]
    assert len(updates) == 2
    by_address = {email.to[0]: email for email in updates}
    spanish, english = by_address["ana@example.org"], by_address["cy@example.org"]
    assert "No water line there." in spanish.body and f"/ideas/{idea.pk}/" in spanish.body
    assert (spanish.extra_headers["Content-Language"], english.extra_headers["Content-Language"]) == (
        "es",
        "en",
    )
    assert "Not planned" in english.subject


def test_an_official_reply_is_badged_with_the_department_and_told_to_the_idea_s_people(people, staff_member):
    idea, *_ = people

    reply = official_reply_create(idea=idea, user=staff_member, body="We will look at the site in June.")

    assert (reply.is_official, reply.department, reply.moderation_state) == (
        True,
        "Chicago Park District",
        "published",
    )
    (message,) = Message.objects.filter(template="idea_reply")
    assert message.context["department"] == "Chicago Park District"
    assert len(recipients(message)) == 3


def test_the_stop_link_quiets_even_the_author(people):
    idea, ana, *_ = people

    idea_follow_stop(token=stop_token(idea_id=idea.pk, contact_point_id=ana.contact_point_id))
    idea_status_change(idea=idea, status="in_progress")

    (message,) = Message.objects.filter(template="idea_status")
    assert "ana@example.org" not in [value for value, *_ in recipients(message)]


def test_a_held_comment_is_not_counted_and_an_official_reply_is_never_held(people, staff_member):
    idea, ana, *_ = people

    held = comment_create(idea=idea, viewer=as_viewer(ana), body="You are all idiots.")
    official = official_reply_create(idea=idea, user=staff_member, body="Calling nobody idiots here.")

    assert (held.moderation_state, official.moderation_state) == ("held", "published")
    assert Idea.objects.get().comments_count == 1
