from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import idea_support
from civicloop.engage.tests.conftest import make_resident
from civicloop.moderation.models import ModerationCase
from civicloop.moderation.tests.conftest import post_idea


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_supports_reaches_moderators_through_the_worker(question, author, settings):
    settings.MODERATION_BURST_SUPPORTS = 3
    idea = post_idea(question, author)
    newcomers = [make_resident(f"new{i}@example.org", age=timedelta(minutes=20)) for i in range(3)]
    for person in newcomers:
        idea_support(idea=idea, viewer=viewer_for(user=None, participant_id=person.pk), network_key="")

    looks = DBTaskResult.objects.filter(task_path__endswith="flag_support_bursts", status="READY")
    assert [task.args_kwargs["args"] for task in looks] == [[idea.pk]] * 3
    assert not ModerationCase.objects.filter(source="burst").exists()

    call_command("worker", batch=True)

    case = ModerationCase.objects.get(source="burst")
    assert case.idea_id == idea.pk and case.evidence["supports_from_new_accounts"] == 3
    assert sorted(case.evidence["participant_ids"]) == sorted(person.pk for person in newcomers)


@pytest.mark.django_db(transaction=True)
def test_supports_ask_once_for_a_look_for_coordinated_supports_a_little_later(
    question, author, moderation_defaults
):
    idea = post_idea(question, author)
    for person in [make_resident(f"c{i}@example.org", age=timedelta(minutes=20)) for i in range(3)]:
        idea_support(idea=idea, viewer=viewer_for(user=None, participant_id=person.pk), network_key="")

    call_command("worker", batch=True)

    [look] = DBTaskResult.objects.filter(task_path__endswith="flag_coordinated_question")
    assert look.args_kwargs["args"] == [question.pk] and look.status == "READY"
    assert look.run_after is not None and look.run_after > timezone.now() + timedelta(minutes=4)
