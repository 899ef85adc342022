"""Conversations in the JSON API: public spaces only; the report once staff publish it."""

from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.deliberation.models import Conversation, Statement
from civicloop.deliberation.services import (
    conversation_analyse,
    conversation_official_response_set,
    conversation_report_publish,
    polis_import,
)
from civicloop.deliberation.tests.test_pages import DATA, SMALL, make_conversation
from civicloop.engage.models import Space
from civicloop.engage.tests.conftest import make_question, make_space

PARKS = "Chicago Park District"


@pytest.fixture(autouse=True)
def _site_url(settings: Any) -> None:
    settings.SITE_URL = "https://city.example.org"


@pytest.fixture
def parks_staff(db: Any) -> User:
    return User.objects.create_user(
        username="parks.officer", password="x", role=Role.DEPARTMENT, department=PARKS, first_name="Pat"
    )


@pytest.fixture
def analysed(db: Any) -> Conversation:
    """A Polis conversation placed on a Park District question of a public space, analysed, unpublished."""
    conversation = polis_import(DATA / SMALL)
    space = make_space(title="Wages")
    conversation.space = space
    conversation.question = make_question(space, department=PARKS)
    conversation.save(update_fields=["space", "question"])
    conversation_analyse(conversation)
    return conversation


def get_json(path: str, status: int = 200) -> Any:
    response = Client().get(path)
    assert response.status_code == status, response.content
    return response.json()


def report_path(conversation: Conversation) -> str:
    return f"/api/v1/conversations/{conversation.pk}/report"


# -------------------------------------------------------------------------------------------- the list


@pytest.mark.django_db
def test_conversations_of_public_spaces_only_with_their_web_address() -> None:
    shown = make_conversation(texts=("More trees", "Fewer cars"))
    Statement.objects.create(conversation=shown, external_id="9", text="Held", moderation="held")
    make_conversation(space=make_space(Space.Visibility.STAFF, title="Staff"))
    make_conversation(space=make_space(Space.Visibility.INVITE, title="Invited"))
    Conversation.objects.create(title="Imported, not placed", prompt="?")

    body = get_json("/api/v1/conversations")

    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == shown.pk and item["title"] == "Our parks" and item["status"] == "open"
    assert item["url"] == f"https://city.example.org/conversations/{shown.pk}/"
    assert item["space"]["slug"] == "parks" and item["question"] is None
    assert item["statements_count"] == 2
    assert item["report_published_at"] is None and item["report_url"] is None


@pytest.mark.django_db
def test_a_conversation_of_a_closed_or_no_space_is_a_json_404() -> None:
    staff_only = make_conversation(space=make_space(Space.Visibility.STAFF, title="Staff"))
    unplaced = Conversation.objects.create(title="Imported, not placed", prompt="?")

    for conversation in (staff_only, unplaced):
        assert get_json(f"/api/v1/conversations/{conversation.pk}", status=404) == {
            "detail": f"There is no conversation {conversation.pk}."
        }
        assert get_json(report_path(conversation), status=404)["detail"]


@pytest.mark.django_db
def test_thirty_conversations_take_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    space = make_space()
    question = make_question(space)
    for number in range(30):
        make_conversation(space=space, question=question, texts=(f"Statement {number}",))

    with django_assert_max_num_queries(2):
        body = get_json("/api/v1/conversations")

    assert body["count"] == 30 and {item["question"]["id"] for item in body["items"]} == {question.pk}


# ------------------------------------------------------------------------------------------ the report


def test_the_report_is_a_404_until_it_is_published(analysed: Conversation) -> None:
    assert get_json(report_path(analysed), status=404) == {
        "detail": "The report on this conversation is not published."
    }


def test_the_published_report_gives_the_groups_consensus_and_official_response(
    analysed: Conversation, parks_staff: User
) -> None:
    conversation_official_response_set(
        conversation=analysed, user=parks_staff, body="We will raise seasonal wages next spring."
    )
    conversation_report_publish(conversation=analysed, user=parks_staff)

    body = get_json(report_path(analysed))
    listed = get_json(f"/api/v1/conversations/{analysed.pk}")

    assert (
        listed["report_url"] == body["url"] == f"https://city.example.org/conversations/{analysed.pk}/report/"
    )
    assert body["enough_data"] is True and body["participants"] > 0 and body["votes"] > 0
    assert body["official_response"]["body"] == "We will raise seasonal wages next spring."
    assert body["official_response"]["department"] == PARKS
    assert len(body["groups"]) >= 2
    assert [group["label"] for group in body["groups"]] == [
        f"Group {chr(65 + i)}" for i in range(len(body["groups"]))
    ]
    assert sum(group["size"] for group in body["groups"]) == body["participants"]
    statements = dict(Statement.objects.filter(conversation=analysed).values_list("external_id", "text"))
    representative = [s for group in body["groups"] for s in group["representative"]]
    assert representative and all(statements[s["number"]] == s["text"] for s in representative)
    assert all(s["direction"] in {"agree", "disagree"} and 0 <= s["agree"] <= 100 for s in representative)
    assert all(statements[s["number"]] == s["text"] for s in body["consensus"])


def test_the_report_names_no_participant(analysed: Conversation, parks_staff: User) -> None:
    conversation_report_publish(conversation=analysed, user=parks_staff)

    body = get_json(report_path(analysed))

    assert all(set(group) == {"id", "label", "size", "percent", "representative"} for group in body["groups"])
    assert "Pat" not in str(body) and "parks.officer" not in str(body)


def test_a_published_report_in_a_staff_only_space_stays_hidden(
    analysed: Conversation, parks_staff: User
) -> None:
    conversation_report_publish(conversation=analysed, user=parks_staff)
    Space.objects.filter(conversations=analysed).update(visibility=Space.Visibility.STAFF)

    assert get_json(report_path(analysed), status=404)
    assert get_json("/api/v1/conversations")["count"] == 0
