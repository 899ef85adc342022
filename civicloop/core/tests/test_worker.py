"""`civicloop worker` books what each app asks for at start (settings.WORKER_START_HOOKS), in order."""

import pytest
from django.core.management import call_command
from django.utils.module_loading import import_string

CALLS: list[str] = []


def first_hook() -> None:
    CALLS.append("first")


def second_hook() -> None:
    CALLS.append("second")


def test_every_start_hook_names_a_function(settings):
    # Given the configured hooks / When each dotted path is imported / Then it is a function to call
    assert settings.WORKER_START_HOOKS
    for path in settings.WORKER_START_HOOKS:
        assert callable(import_string(path)), path


@pytest.mark.django_db(transaction=True)  # the worker sees only committed rows, and closes its connection
def test_the_worker_calls_each_start_hook_once_in_order(settings):
    # Given two hooks
    CALLS.clear()
    settings.WORKER_START_HOOKS = [f"{__name__}.first_hook", f"{__name__}.second_hook"]

    # When a worker runs until the queue is empty
    call_command("worker", batch=True)

    # Then each was called once, in the order given
    assert CALLS == ["first", "second"]
