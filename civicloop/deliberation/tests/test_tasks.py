"""The opinion map is re-run in a background task after votes: debounced, one task for a burst of votes."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.deliberation import services
from civicloop.deliberation.models import AnalysisResult, Conversation
from civicloop.deliberation.services import (
    ANALYSES_KEPT,
    conversation_analyse_if_due,
    conversation_analysis_request,
)
from civicloop.deliberation.tasks import conversation_analyse_due
from civicloop.deliberation.tests.test_pages import first_statement, make_conversation, vote
from civicloop.engage.tests.conftest import client_for, make_resident

TASK = "conversation_analyse_due"


def analysis_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=TASK))


def votes_from(conversation: Conversation, people: int) -> None:
    statement = first_statement(conversation)
    for n in range(people):
        vote(
            client_for(make_resident(f"voter{n}@example.org", name=f"Voter {n}")),
            conversation,
            statement,
            "agree",
        )


@pytest.mark.django_db
def test_a_burst_of_votes_enqueues_one_analysis_for_later(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DELIBERATION_ANALYSIS_DEBOUNCE_SECONDS = 60
    conversation = make_conversation()
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        votes_from(conversation, 4)

    conversation.refresh_from_db()
    tasks = analysis_tasks()
    assert len(tasks) == 1 and tasks[0].args_kwargs["args"] == [conversation.pk]
    assert conversation.analysis_due_at is not None
    assert conversation.analysis_due_at >= before + timedelta(seconds=60)
    assert tasks[0].run_after == conversation.analysis_due_at
    assert not AnalysisResult.objects.exists()  # nothing runs in the request


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_analysis_and_the_next_votes_ask_again(settings: Any) -> None:
    settings.DELIBERATION_ANALYSIS_DEBOUNCE_SECONDS = 0
    conversation = make_conversation()
    votes_from(conversation, 3)

    call_command("worker", batch=True)

    conversation.refresh_from_db()
    result = AnalysisResult.objects.get(conversation=conversation)
    assert result.votes == 3 and conversation.analysis_due_at is None
    assert [task.status for task in analysis_tasks()] == ["SUCCESSFUL"]

    vote(
        client_for(make_resident("late@example.org", name="Late")),
        conversation,
        first_statement(conversation),
        "disagree",
    )
    call_command("worker", batch=True)

    assert AnalysisResult.objects.filter(conversation=conversation).order_by("-id")[0].votes == 4


@pytest.mark.django_db
def test_a_task_with_nothing_pending_does_nothing() -> None:
    conversation = make_conversation()

    assert conversation_analyse_due.call(conversation.pk) is False
    assert not AnalysisResult.objects.exists()


@pytest.mark.django_db
def test_a_doubled_task_analyses_once() -> None:
    conversation = make_conversation()
    Conversation.objects.filter(pk=conversation.pk).update(analysis_due_at=timezone.now())

    first = conversation_analyse_due.call(conversation.pk)
    second = conversation_analyse_due.call(conversation.pk)

    assert (first, second) == (True, False) and AnalysisResult.objects.count() == 1


@pytest.mark.django_db
def test_a_request_pending_too_long_is_presumed_lost_and_asked_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = make_conversation()
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(analysis_due_at=now - timedelta(seconds=30))

    with django_capture_on_commit_callbacks(execute=True):
        recent = conversation_analysis_request(conversation.pk, now=now)
        lost = conversation_analysis_request(conversation.pk, now=now + timedelta(hours=1))

    assert (recent, lost) == (False, True) and len(analysis_tasks()) == 1


@pytest.mark.django_db
def test_a_failed_analysis_leaves_the_request_pending(monkeypatch: Any) -> None:
    conversation = make_conversation()
    Conversation.objects.filter(pk=conversation.pk).update(analysis_due_at=timezone.now())

    def broken(_conversation: Conversation) -> None:
        raise MemoryError("out of memory")

    monkeypatch.setattr(services.mapping, "conversation_analyse", broken)
    with pytest.raises(MemoryError):
        conversation_analyse_if_due(conversation.pk)

    conversation.refresh_from_db()
    assert conversation.analysis_due_at is not None


@pytest.mark.django_db
def test_only_the_newest_analyses_are_kept() -> None:
    conversation = make_conversation()
    for _run in range(ANALYSES_KEPT + 2):
        Conversation.objects.filter(pk=conversation.pk).update(analysis_due_at=timezone.now())
        conversation_analyse_if_due(conversation.pk)

    kept = list(AnalysisResult.objects.filter(conversation=conversation).order_by("id"))
    assert len(kept) == ANALYSES_KEPT
    assert kept[-1].pk == max(AnalysisResult.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_removing_a_voted_statement_asks_for_a_new_map_without_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from civicloop.accounts.models import Role, User
    from civicloop.deliberation.services import statement_moderate

    conversation = make_conversation()
    votes_from(conversation, 1)
    Conversation.objects.filter(pk=conversation.pk).update(analysis_due_at=None)
    moderator = User.objects.create_user(username="mo", password="x", role=Role.MODERATOR)

    with django_capture_on_commit_callbacks(execute=True):
        statement_moderate(
            statement_id=first_statement(conversation).pk,
            seen="accepted",
            accept=False,
            reason="off_topic",
            moderator=moderator,
        )

    conversation.refresh_from_db()
    assert conversation.analysis_due_at is not None and len(analysis_tasks()) == 1
