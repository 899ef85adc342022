"""Property-based fuzzing of the JSON API (/api/v1/, issue 15 item 7) with schemathesis.

The OpenAPI file is read as clients read it (GET /api/v1/openapi.json through the WSGI app) and every
operation in it is fuzzed against the test database, seeded so that lists have rows and detail pages exist:
schemathesis's coverage phase (boundary and wrong-typed values for each parameter, parameters missing) and
its fuzzing phase in both generation modes (valid and invalid requests), plus valid requests for the rows
that exist. Each answer passes schemathesis's checks: no server error, a documented status code and
content type, a body that conforms to the documented schema, invalid input refused with a 4xx.

CI runs 25 generated examples per operation with a fixed seed (``derandomize``); ``FUZZ_FULL=1`` runs 1,000
and keeps generating at random.
"""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test

from civicloop.accounts.models import Role, User
from civicloop.announcements.models import Kind
from civicloop.announcements.tests.factories import make_announcement, make_area, make_topic
from civicloop.api import api_v1
from civicloop.deliberation.services import (
    conversation_analyse,
    conversation_official_response_set,
    conversation_report_publish,
    polis_import,
)
from civicloop.deliberation.tests.test_pages import DATA, SMALL
from civicloop.engage.models import Idea
from civicloop.engage.selectors import Viewer
from civicloop.engage.services import idea_create, idea_status_change, official_reply_create
from civicloop.engage.tests.conftest import make_question, make_resident, make_space

FULL = os.environ.get("FUZZ_FULL") == "1"
EXAMPLES = 1000 if FULL else 25
PREFIX = "/api/v1"
# Collected from the API itself, so an operation added later is fuzzed without touching this file.
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, methods in api_v1.get_openapi_schema(path_prefix=PREFIX)["paths"].items()
    for method in methods
]
CIVILITY_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
PARKS = "Chicago Park District"
SITE = "https://city.example.org"

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=not FULL,
    database=None,  # no example database under var/ or .hypothesis/: each run stands alone
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def _connections_kept() -> Iterator[None]:
    """Django's WSGI handler closes the database connection at each request's start and end; in a test
    that would end the test's transaction. Kept open as Django's test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(_connections_kept: None, django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Rows for every list and detail operation, built once for the module in a transaction rolled back at
    its end: announcements with a topic and an area, a question with an answered idea, a conversation with
    its published report."""
    with (
        django_db_blocker.unblock(),
        override_settings(MODERATION_CHECK=CIVILITY_CHECK, SITE_URL=SITE),
        transaction.atomic(),
    ):
        parks = make_topic("parks-culture", "Parks and culture", "Parques y cultura")
        pilsen = make_area(31, "Lower West Side")
        make_announcement(
            title="Pilsen parks festival", topics=[parks], areas=[pilsen], kind=Kind.EVENT, event_in_days=3
        )
        announcement = make_announcement(title="Rental help")
        staff = User.objects.create_user(
            username="parks.officer", password="x", role=Role.DEPARTMENT, department=PARKS, first_name="Pat"
        )
        question = make_question(make_space(), department=PARKS)
        idea = idea_create(
            question=question,
            viewer=Viewer(participant=make_resident()),
            title="Benches",
            body="By the lake.",
        )
        official_reply_create(idea=idea, user=staff, body="We will add six benches.")
        idea_status_change(idea=idea, status=Idea.Status.ACCEPTED, reason="Funded", actor=staff)
        conversation = polis_import(DATA / SMALL)
        conversation.space, conversation.question = question.space, question
        conversation.save(update_fields=["space", "question"])
        conversation_analyse(conversation)
        conversation_official_response_set(conversation=conversation, user=staff, body="Wages will rise.")
        conversation_report_publish(conversation=conversation, user=staff)
        cache.clear()
        yield {
            "/announcements/{slug}": {"slug": announcement.slug},
            "/areas/{slug}": {"slug": pilsen.slug},
            "{question_id}": {"question_id": question.pk},
            "{idea_id}": {"idea_id": idea.pk},
            "{conversation_id}": {"conversation_id": conversation.pk},
        }
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(scope="module")
def schema(world: dict[str, Any], django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", get_wsgi_application())


@pytest.fixture
def _api_settings(settings: Any) -> None:
    settings.SITE_URL = SITE
    settings.MODERATION_CHECK = CIVILITY_CHECK


def _existing(world: dict[str, Any], path: str) -> dict[str, Any]:
    """The path parameters of a row that exists, for an operation that reads one."""
    found: dict[str, Any] = {}
    for fragment, parameters in world.items():
        if fragment in path:
            found.update(parameters)
    return found


def _run(test: Callable[..., None]) -> None:
    __tracebackhide__ = True
    test()


@pytest.mark.django_db
def test_every_operation_of_the_served_openapi_file_is_fuzzed(schema: Any) -> None:
    served = [result.ok().label for result in schema.get_all_operations()]

    assert sorted(served) == sorted(OPERATIONS)
    assert len(OPERATIONS) >= 12


@pytest.mark.django_db
@pytest.mark.usefixtures("_api_settings")
@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    schema: Any, world: dict[str, Any], label: str
) -> None:
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    statuses: list[int] = []

    def check(case: Any) -> None:
        __tracebackhide__ = True
        response = case.call_and_validate()
        statuses.append(response.status_code)

    # Schemathesis's own phases: boundary values for each parameter (coverage), then generated requests,
    # valid and invalid (fuzzing).
    config = HypothesisTestConfig(
        project=schema.config,
        modes=[HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING],
        settings=HYPOTHESIS,
    )
    _run(create_test(operation=operation, test_func=check, config=config))
    assert any(status >= 400 for status in statuses), f"{label}: no invalid request was tried"

    existing = _existing(world, path)
    if existing:  # the rows that exist, with generated query parameters, where random ids only find 404s
        found = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=existing)
        _run(HYPOTHESIS(given(case=found)(check)))
    assert 200 in statuses, f"{label}: no request found a row"
