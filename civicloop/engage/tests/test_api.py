"""The forums in the JSON API: questions and published ideas of public spaces only, as signed out."""

import json
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.engage.models import Idea, Participant, Question, Space
from civicloop.engage.selectors import Viewer
from civicloop.engage.services import idea_create, idea_status_change, official_reply_create
from civicloop.engage.tests.conftest import HOLD_WORD, make_question, make_resident, make_space

pytestmark = pytest.mark.django_db


def post_idea(
    question: Question, author: Participant, title: str = "Benches", body: str = "By the lake."
) -> Idea:
    return idea_create(question=question, viewer=Viewer(participant=author), title=title, body=body)


def staff_idea(question: Question, staff_member: User, title: str) -> Idea:
    return idea_create(
        question=question, viewer=Viewer(user=staff_member, is_staff=True), title=title, body="For staff."
    )


def get_json(client: Client, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def closed_spaces(staff_member: User) -> dict[str, Idea]:
    """An idea in a staff-only space and one in an invite-only space."""
    staff_only = make_question(make_space(Space.Visibility.STAFF, title="Staff ideas"), text="Staff only?")
    invite_only = make_question(make_space(Space.Visibility.INVITE, title="Invited"), text="Invited only?")
    return {
        "staff": staff_idea(staff_only, staff_member, "A staff-only idea"),
        "invite": staff_idea(invite_only, staff_member, "An invite-only idea"),
    }


# --------------------------------------------------------------------------------------------- questions


def test_questions_of_public_spaces_only_with_their_web_address(
    question: Question, closed_spaces: dict[str, Idea]
) -> None:
    post_idea(question, make_resident())

    body = get_json(Client(), "/api/v1/questions")

    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == question.pk and item["text"] == "How should we improve our parks?"
    assert item["url"] == f"https://city.example.org/ideas/parks/{question.slug}/"
    assert item["space"] == {
        "slug": "parks",
        "title": "Parks",
        "url": "https://city.example.org/ideas/parks/",
    }
    assert item["department"] == "Chicago Park District"
    assert item["is_open"] is True and item["ideas_count"] == 1 and item["community_areas"] == []


def test_a_question_of_a_closed_space_is_a_json_404(closed_spaces: dict[str, Idea]) -> None:
    hidden = closed_spaces["staff"].question

    assert get_json(Client(), f"/api/v1/questions/{hidden.pk}", status=404) == {"detail": "No such question."}
    assert get_json(Client(), "/api/v1/questions/999999", status=404) == {"detail": "No such question."}
    assert get_json(Client(), "/api/v1/questions/abc", status=422)["detail"]


def test_thirty_questions_take_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    space = make_space()
    for number in range(30):
        make_question(space, text=f"Question {number}?")

    with django_assert_max_num_queries(3):
        body = get_json(Client(), "/api/v1/questions")

    assert body["count"] == 30 and len(body["items"]) == 30


# ------------------------------------------------------------------------------------------------- ideas


def test_ideas_show_what_the_website_shows_signed_out_and_nothing_more(
    question: Question, closed_spaces: dict[str, Idea]
) -> None:
    ana = make_resident("ana.lopez@example.org", name="Ana L.")
    shown = post_idea(question, ana, title="Benches by the lake")
    held = post_idea(question, ana, title="Held idea", body=f"You are all {HOLD_WORD}.")
    hidden = post_idea(question, ana, title="Hidden idea")
    Idea.objects.filter(pk=hidden.pk).update(moderation_state="hidden")

    response = Client().get("/api/v1/ideas")

    body = response.json()
    assert held.moderation_state == "held"
    assert [item["id"] for item in body["items"]] == [shown.pk] and body["count"] == 1
    item = body["items"][0]
    assert item["title"] == "Benches by the lake" and item["author_name"] == "Ana L."
    assert item["url"] == f"https://city.example.org/ideas/{shown.pk}/"
    assert item["question"]["id"] == question.pk and item["status"] == "under_consideration"
    text = response.content.decode()
    assert "ana.lopez@example.org" not in text and "author_id" not in text and "contact" not in text
    assert set(item) == {
        "id",
        "url",
        "title",
        "question",
        "author_name",
        "community_area",
        "status",
        "is_staff_pick",
        "supports_count",
        "comments_count",
        "created_at",
        "edited_at",
    }


def test_ideas_filter_by_question_and_status_and_sort_by_supports(question: Question) -> None:
    other = make_question(question.space, text="Libraries?")
    ana = make_resident()
    quiet = post_idea(question, ana, title="Quiet idea")
    popular = post_idea(question, ana, title="Popular idea")
    elsewhere = post_idea(other, ana, title="Library idea")
    Idea.objects.filter(pk=quiet.pk).update(supports_count=1)
    Idea.objects.filter(pk=popular.pk).update(supports_count=9)
    idea_status_change(idea=elsewhere, status=Idea.Status.ACCEPTED)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in get_json(Client(), f"/api/v1/ideas?{query}")["items"]]

    assert ids("") == [elsewhere.pk, popular.pk, quiet.pk]
    assert ids("sort=supported") == [popular.pk, quiet.pk, elsewhere.pk]
    assert ids(f"question={question.pk}") == [popular.pk, quiet.pk]
    assert ids("status=accepted") == [elsewhere.pk]
    assert get_json(Client(), "/api/v1/ideas?status=maybe", status=422)["detail"]
    assert get_json(Client(), "/api/v1/ideas?sort=random", status=422)["detail"]


def test_an_idea_comes_with_its_timeline_and_official_responses(
    question: Question, staff_member: User
) -> None:
    idea = post_idea(question, make_resident(), title="Benches")
    official_reply_create(idea=idea, user=staff_member, body="We will add six benches.")
    idea_status_change(idea=idea, status=Idea.Status.ACCEPTED, reason="Funded", actor=staff_member)

    body = get_json(Client(), f"/api/v1/ideas/{idea.pk}")

    assert body["body"] == "By the lake." and body["status"] == "accepted"
    assert [(c["status"], c["reason"]) for c in body["timeline"]] == [
        ("under_consideration", ""),
        ("accepted", "Funded"),
    ]
    assert [(r["body"], r["department"]) for r in body["official_responses"]] == [
        ("We will add six benches.", "Chicago Park District")
    ]
    assert "Officer" not in json.dumps(body) and "parks.officer" not in json.dumps(body)


def test_an_idea_in_a_closed_space_or_held_is_a_json_404(
    question: Question, closed_spaces: dict[str, Idea]
) -> None:
    held = post_idea(question, make_resident(), title="Held", body=f"You are {HOLD_WORD}.")

    for idea in (closed_spaces["staff"], closed_spaces["invite"], held):
        assert get_json(Client(), f"/api/v1/ideas/{idea.pk}", status=404) == {"detail": "No such idea."}
    assert not get_json(Client(), "/api/v1/ideas")["items"]


def test_thirty_ideas_take_a_fixed_number_of_queries(
    question: Question, django_assert_max_num_queries: Any
) -> None:
    for person in range(3):
        author = make_resident(f"resident{person}@example.org", name=f"Resident {person}")
        for number in range(10):
            post_idea(question, author, title=f"Idea {person}-{number}")

    with django_assert_max_num_queries(2):
        body = get_json(Client(), "/api/v1/ideas")

    assert body["count"] == 30 and len({item["author_name"] for item in body["items"]}) == 3
