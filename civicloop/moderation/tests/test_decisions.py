"""A moderator's decisions (services/decisions.py): approve, reject with a reason from the list, edit
with a note; each logged with the text before it, told to the author, and never made twice."""

import pytest

from civicloop.delivery.models import Delivery
from civicloop.engage.models import CommentRevision, Idea, IdeaRevision, ModerationState
from civicloop.moderation import selectors, services
from civicloop.moderation.models import AuditEvent, Decision, ModerationCase
from civicloop.moderation.services import DecisionInput
from civicloop.moderation.tests.conftest import held_idea, post_comment, post_idea

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def test_approving_publishes_logs_the_text_and_verdict_and_tells_the_author(question, author, moderator):
    idea = held_idea(question, author)
    case = ModerationCase.objects.get()
    decision = services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )
    idea.refresh_from_db()
    case.refresh_from_db()
    assert idea.moderation_state == ModerationState.PUBLISHED and case.state == "decided"
    assert decision.text_before == "They are idiots, all of them." and decision.title_before == "Councillors"
    assert decision.check_verdict == {"held": True, "reasons": ["uncivil"], "score": 0.91}
    assert (decision.state_before, decision.state_after, decision.reason) == ("held", "published", "")
    assert AuditEvent.objects.filter(case=case, kind="decided", actor=moderator).count() == 1
    delivery = Delivery.objects.get(message__template="moderation_decision")
    assert delivery.contact_point_id == author.contact_point_id and delivery.language == "en"
    assert delivery.message.context["action"] == "approve" and not delivery.message.context["can_appeal"]
    assert next(iter(selectors.training_examples()))["label"] == "civil"


def test_a_second_decision_on_a_decided_case_is_refused_and_changes_nothing(
    question, author, moderator, other_moderator
):
    held_idea(question, author)
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )
    with pytest.raises(services.AlreadyDecided):
        services.case_decide(
            case_id=case.pk,
            stage="first",
            data=DecisionInput(action="reject", reason="uncivil"),
            moderator=other_moderator,
        )
    assert Decision.objects.count() == 1
    assert Idea.objects.get().moderation_state == ModerationState.PUBLISHED
    assert Delivery.objects.filter(message__template="moderation_decision").count() == 1


def test_a_rejection_needs_a_reason_from_the_list(question, author, moderator):
    held_idea(question, author)
    case = ModerationCase.objects.get()
    for reason in ("", "i-do-not-like-it"):
        with pytest.raises(services.ModerationInvalid):
            services.case_decide(
                case_id=case.pk,
                stage="first",
                data=DecisionInput(action="reject", reason=reason),
                moderator=moderator,
            )
    assert not Decision.objects.exists() and ModerationCase.objects.get().state == "open"


def test_edit_with_note_publishes_the_new_text_and_keeps_the_old(question, author, moderator):
    idea = post_idea(question, author)
    comment = post_comment(idea, author, "Call me at 312-555-0143, idiots")
    case = ModerationCase.objects.get()
    assert Idea.objects.get().comments_count == 0  # held comments are not counted
    with pytest.raises(services.ModerationInvalid):  # an edit needs a note
        services.case_decide(
            case_id=case.pk,
            stage="first",
            data=DecisionInput(action="edit", reason="personal_data", body="Call me"),
            moderator=moderator,
        )
    services.case_decide(
        case_id=case.pk,
        stage="first",
        data=DecisionInput(
            action="edit", reason="personal_data", note="Removed a phone number", body="Call me"
        ),
        moderator=moderator,
    )
    comment.refresh_from_db()
    assert comment.body == "Call me" and comment.moderation_state == ModerationState.PUBLISHED
    assert CommentRevision.objects.get(comment=comment).body == "Call me at 312-555-0143, idiots"
    assert Idea.objects.get().comments_count == 1
    decision = Decision.objects.get()
    assert (decision.text_before, decision.text_after) == ("Call me at 312-555-0143, idiots", "Call me")
    assert not IdeaRevision.objects.exists()
