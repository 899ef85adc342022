"""Appeals (services/appeals.py): one per rejected case, by its author only, decided once more at the
appeal stage; an approval cannot be appealed."""

import pytest

from civicloop.delivery.models import Delivery
from civicloop.engage.models import Idea, ModerationState
from civicloop.moderation import selectors, services
from civicloop.moderation.models import Appeal, Decision, ModerationCase
from civicloop.moderation.services import DecisionInput
from civicloop.moderation.tests.conftest import held_idea, residents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def test_reject_then_one_appeal_then_the_appeal_decision(question, author, moderator, other_moderator):
    idea = held_idea(question, author)
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk,
        stage="first",
        data=DecisionInput(action="reject", reason="uncivil", note="Insults"),
        moderator=moderator,
    )
    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.REMOVED and Idea.objects.filter(pk=idea.pk).exists()
    message = Delivery.objects.get(message__template="moderation_decision").message
    assert message.context["can_appeal"] and message.context["appeal_url"].endswith(f"/appeals/{case.pk}/")
    assert message.context["reason_label"] == "Insults, abuse or harassment"

    stranger = residents(1)[0]
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=stranger, text="Let it be")
    services.appeal_create(case_id=case.pk, author=author, text="It was a joke")
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=author, text="Again")
    assert Appeal.objects.count() == 1
    assert list(selectors.queue_cases("appeals")) == [ModerationCase.objects.get()]

    with pytest.raises(services.AlreadyDecided):  # a stale first-decision form
        services.case_decide(
            case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
        )
    services.case_decide(
        case_id=case.pk,
        stage="appeal",
        data=DecisionInput(action="reject", reason="uncivil", note="Still insults"),
        moderator=other_moderator,
    )
    case.refresh_from_db()
    assert case.state == "closed" and Decision.objects.filter(case=case).count() == 2
    last = Delivery.objects.filter(message__template="moderation_decision").order_by("-id").first()
    assert (
        last is not None
        and last.message.context["stage"] == "appeal"
        and not last.message.context["can_appeal"]
    )
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=author, text="Once more")


def test_an_approval_cannot_be_appealed(question, author, moderator):
    held_idea(question, author)
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=author, text="Hm")
