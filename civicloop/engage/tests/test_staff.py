"""The staff side: spaces, questions, invitations, official replies with a badge, status with a reason."""

import pytest
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.delivery.models import Message
from civicloop.engage.models import Comment, Idea, Question, Space, SpaceInvitee
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import idea_create
from civicloop.engage.tests.conftest import make_resident, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff_member):
    client = Client()
    client.force_login(staff_member)
    return client


@pytest.fixture
def idea(question):
    ana = make_resident()
    return idea_create(
        question=question,
        viewer=viewer_for(user=None, participant_id=ana.pk),
        title="Benches",
        body="By the lake.",
    )


def test_staff_open_a_space_and_ask_a_question_in_it(staff_client):
    created = staff_client.post("/staff/engage/", {"title": "Parks 2026", "slug": "", "visibility": "public"})
    space = Space.objects.get()
    asked = staff_client.post(
        f"/staff/engage/spaces/{space.pk}/questions/",
        {
            "question-text": "Where do you want new benches?",
            "question-opens_at": "2026-01-01T09:00",
            "question-closes_at": "2026-12-31T17:00",
            "question-department": "Chicago Park District",
            "question-is_jam": "on",
        },
    )

    question = Question.objects.get()
    assert created.status_code == asked.status_code == 302
    assert (space.slug, question.slug, question.is_jam) == (
        "parks-2026",
        "where-do-you-want-new-benches",
        True,
    )
    assert asked["Location"] == "/ideas/parks-2026/where-do-you-want-new-benches/"


def test_a_question_that_closes_before_it_opens_is_a_form_error(staff_client, question):
    response = staff_client.post(
        f"/staff/engage/spaces/{question.space_id}/questions/",
        {
            "question-text": "Backwards?",
            "question-opens_at": "2026-12-31T09:00",
            "question-closes_at": "2026-01-01T09:00",
            "question-department": "Parks",
        },
    )

    assert response.status_code == 400 and Question.objects.count() == 1


def test_staff_invite_people_to_an_invite_only_space(staff_client):
    staff_client.post("/staff/engage/", {"title": "Youth council", "visibility": "invite"})
    space = Space.objects.get()

    staff_client.post(
        f"/staff/engage/spaces/{space.pk}/invitees/", {"invitees-contacts": "a@example.org\n(312) 555-0123\n"}
    )

    assert SpaceInvitee.objects.filter(space=space).count() == 2


def test_an_official_reply_shows_the_department_badge(staff_client, idea):
    response = staff_client.post(f"/staff/engage/ideas/{idea.pk}/reply/", {"reply-body": "We will add two."})

    page = Client().get(idea.get_absolute_url()).content.decode()
    assert response.status_code == 302 and Comment.objects.get().is_official
    assert "Official response — Chicago Park District" in page


def test_not_planned_without_a_reason_is_a_form_error(staff_client, idea):
    response = staff_client.post(f"/staff/engage/ideas/{idea.pk}/status/", {"status-status": "not_planned"})

    assert response.status_code == 400 and "Say why the idea is not planned." in response.content.decode()
    assert Idea.objects.get().status == "under_consideration"


def test_a_status_change_is_on_the_timeline_and_queued_for_the_author(staff_client, idea):
    staff_client.post(
        f"/staff/engage/ideas/{idea.pk}/status/",
        {"status-status": "not_planned", "status-reason": "No budget."},
    )

    page = Client().get(idea.get_absolute_url()).content.decode()
    assert "Not planned" in page and "No budget." in page
    assert Message.objects.get(template="idea_status").deliveries.count() == 1


def test_staff_picks_are_one_click_away_for_residents(staff_client, idea, question):
    staff_client.post(f"/staff/engage/ideas/{idea.pk}/pick/", {"picked": "1"})

    page = Client().get(f"{question.get_absolute_url()}?sort=picks").content.decode()
    assert "Benches" in page


def test_moderators_cannot_run_engagement(idea):
    moderator = User.objects.create_user(username="mod", password="x", role=Role.MODERATOR)
    client = Client()
    client.force_login(moderator)

    assert client.get("/staff/engage/").status_code == 403
    assert Client().get("/staff/engage/").status_code == 302  # to the login page


@pytest.fixture
def transport_client(db):
    officer = User.objects.create_user(
        username="streets", password="x", role=Role.DEPARTMENT, department="Transportation"
    )
    client = Client()
    client.force_login(officer)
    return client


def test_a_department_answers_only_its_own_questions(transport_client, idea):
    # The question belongs to the Chicago Park District; a Transportation officer may read, not answer.
    page = transport_client.get(f"/staff/engage/ideas/{idea.pk}/")
    assert page.status_code == 200 and "Only Chicago Park District answers" in page.content.decode()
    assert "Post official reply" not in page.content.decode()
    reply = transport_client.post(f"/staff/engage/ideas/{idea.pk}/reply/", {"reply-body": "We will fix it."})
    status = transport_client.post(f"/staff/engage/ideas/{idea.pk}/status/", {"status-status": "accepted"})
    pick = transport_client.post(f"/staff/engage/ideas/{idea.pk}/pick/", {"picked": "1"})

    assert (reply.status_code, status.status_code, pick.status_code) == (403, 403, 403)
    idea.refresh_from_db()
    assert idea.status == Idea.Status.UNDER_CONSIDERATION and not idea.is_staff_pick
    assert not Comment.objects.filter(is_official=True).exists()


def test_a_department_asks_questions_for_itself_only(transport_client):
    space = make_space(title="Streets")
    form = {
        "question-text": "Where do you need a crosswalk?",
        "question-opens_at": "2026-11-01T00:00",
        "question-closes_at": "2026-12-31T00:00",
        "question-department": "Chicago Park District",
    }

    refused = transport_client.post(f"/staff/engage/spaces/{space.pk}/questions/", form)
    accepted = transport_client.post(
        f"/staff/engage/spaces/{space.pk}/questions/", {**form, "question-department": "Transportation"}
    )

    assert refused.status_code == 400 and "your own department only" in refused.content.decode()
    assert accepted.status_code == 302
    assert list(Question.objects.values_list("department", flat=True)) == ["Transportation"]
