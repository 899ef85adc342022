"""Holds by the automatic check (services/holds.py): a case with the check's reasons and score, the
urgent queue for a threat, and the case closed when the author's edit passes."""

import pytest

from civicloop.engage.models import Idea, ModerationState
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import idea_edit
from civicloop.moderation import selectors
from civicloop.moderation.models import AuditEvent, ModerationCase
from civicloop.moderation.tests.conftest import held_idea, post_comment, post_idea

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def test_a_held_idea_opens_a_case_with_the_checks_reason_and_score(question, author):
    idea = held_idea(question, author)
    assert idea.moderation_state == ModerationState.HELD
    case = ModerationCase.objects.get()
    assert (case.idea_id, case.comment_id, case.source, case.state) == (idea.pk, None, "check", "open")
    assert case.reasons == ["uncivil"] and case.score == pytest.approx(0.91) and not case.urgent
    assert AuditEvent.objects.filter(case=case, kind="opened").count() == 1


def test_a_clean_post_opens_no_case_and_a_threat_goes_to_the_urgent_queue(question, author):
    idea = post_idea(question, author)
    assert idea.moderation_state == ModerationState.PUBLISHED and not ModerationCase.objects.exists()
    post_comment(idea, author, "I know where you live and I will hurt you")
    case = ModerationCase.objects.get()
    assert case.comment_id is not None and case.urgent and case.reasons == ["threat"]
    assert list(selectors.queue_cases("urgent")) == [case]


def test_the_authors_edit_that_passes_the_check_closes_the_checks_case(question, author):
    idea = held_idea(question, author)
    idea_edit(
        idea=idea, viewer=viewer_for(user=None, participant_id=author.pk), title="Councillors", body="Fine."
    )
    case = ModerationCase.objects.get()
    assert case.state == "closed"
    assert Idea.objects.get().moderation_state == ModerationState.PUBLISHED
    assert list(selectors.queue_cases()) == []
