"""Staff open a conversation on a city question with the city's seed statements, add more, close and
reopen it (issue 13, item 1): server-rendered forms, all or nothing, engagement roles only."""

from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.deliberation.models import Conversation, Statement, Vote
from civicloop.engage.models import Question, Space
from civicloop.engage.tests.conftest import client_for, make_question, make_resident, make_space

PARKS = "Chicago Park District"
SEEDS = [
    "Parks should stay open until 11 pm.",
    "Every park needs a water fountain.",
    "More trees on streets.",
]
NEW = "/staff/conversations/new/"


def staff(
    role: str = Role.DEPARTMENT, department: str = PARKS, username: str = "parks"
) -> tuple[Client, User]:
    user = User.objects.create_user(username=username, password="x", role=role, department=department)
    client = Client()
    client.force_login(user)
    return client, user


def open_form(space: Space, question: Question | None = None, seeds: list[str] = SEEDS, **extra: str) -> dict:
    data = {
        "title": "Parks after dark",
        "prompt": "What would make you use your park in the evening?",
        "space": str(space.pk),
        "question": str(question.pk) if question is not None else "",
        "seeds": "\n".join(seeds),
    }
    data.update(extra)
    return data


@pytest.fixture
def parks_question(db: Any) -> Question:
    return make_question(make_space(title="Parks"), department=PARKS)


def statements_a_resident_is_asked(client: Client, conversation: Conversation) -> list[str]:
    """Vote agree on each statement the page shows until none is left; the texts, in order shown."""
    shown: list[str] = []
    for _round in range(10):
        response = client.get(conversation.get_absolute_url())
        assert response.status_code == 200
        statement = response.context["statement"]
        if statement is None:
            return shown
        shown.append(statement.text)
        voted = client.post(
            f"/conversations/{conversation.pk}/vote/", {"statement": statement.pk, "vote": "agree"}
        )
        assert voted.status_code == 302
    raise AssertionError("the page kept showing statements")


# ------------------------------------------------------------------------------------------- opening


@pytest.mark.django_db
def test_department_staff_open_a_conversation_with_three_seed_statements(parks_question: Question) -> None:
    client, user = staff()
    listing = client.get("/staff/conversations/").content.decode()
    form = client.get(NEW)

    response = client.post(NEW, open_form(parks_question.space, parks_question))

    conversation = Conversation.objects.get()
    assert f'href="{NEW}"' in listing and "Open a conversation" in listing
    assert form.status_code == 200 and 'name="seeds"' in form.content.decode()
    assert response.status_code == 302 and response["Location"] == f"/staff/conversations/{conversation.pk}/"
    assert (conversation.title, conversation.space, conversation.question) == (
        "Parks after dark",
        parks_question.space,
        parks_question,
    )
    assert conversation.status == Conversation.Status.OPEN and conversation.opened_by == user
    assert conversation.department == PARKS
    seeds = conversation.statements.order_by("id")
    assert [(s.text, s.external_id, s.moderation, s.author) for s in seeds] == [
        (text, str(number), Statement.Moderation.ACCEPTED, None) for number, text in enumerate(SEEDS)
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Conversation opened with 3 statements" in page and SEEDS[1] in page

    resident = client_for(make_resident())
    shown = statements_a_resident_is_asked(resident, conversation)
    assert sorted(shown) == sorted(SEEDS)
    assert Vote.objects.filter(conversation=conversation).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ([SEEDS[0], "x" * 141], "Line 2 has 141 characters"),
        ([SEEDS[0], SEEDS[1], "  " + SEEDS[0].upper()], "Line 3 repeats line 1."),
        (["", "   "], "Write at least one statement"),
        ([f"Statement {n}" for n in range(101)], "Add at most 100 statements at a time (there are 101)."),
    ],
)
def test_a_bad_seed_statement_is_a_form_error_and_nothing_is_written(
    parks_question: Question, seeds: list[str], message: str
) -> None:
    client, _user = staff()

    response = client.post(NEW, open_form(parks_question.space, parks_question, seeds=seeds))

    html = response.content.decode()
    assert response.status_code == 400 and message in html and "There is a problem" in html
    assert not Conversation.objects.exists() and not Statement.objects.exists()


@pytest.mark.django_db
def test_the_longest_seed_and_a_hundred_seeds_are_accepted(parks_question: Question) -> None:
    client, _user = staff()
    seeds = ["x" * 140, *(f"Statement {n}" for n in range(99))]

    response = client.post(NEW, open_form(parks_question.space, parks_question, seeds=seeds))

    assert response.status_code == 302
    assert Statement.objects.count() == 100 and Statement.objects.filter(text="x" * 140).exists()


@pytest.mark.django_db
def test_department_staff_open_only_on_their_own_departments_questions(parks_question: Question) -> None:
    streets = make_question(parks_question.space, text="Which streets first?", department="Streets")
    client, _user = staff()

    form = client.get(NEW).content.decode()
    other = client.post(NEW, open_form(parks_question.space, streets))
    none = client.post(NEW, open_form(parks_question.space, None))

    assert parks_question.text in form and streets.text not in form
    assert other.status_code == 400 and "Select a valid choice" in other.content.decode()
    assert none.status_code == 400 and "This field is required" in none.content.decode()
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_the_question_must_be_in_the_space_chosen(parks_question: Question) -> None:
    elsewhere = make_space(title="Libraries")
    client, _user = staff(role=Role.COMMUNICATIONS, department="", username="comms")

    response = client.post(NEW, open_form(elsewhere, parks_question))

    assert response.status_code == 400
    assert "Choose a question of the space you chose" in response.content.decode()
    assert not Conversation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MODERATOR, Role.RESIDENT])
def test_moderators_and_resident_accounts_may_not_open_a_conversation(
    parks_question: Question, role: str
) -> None:
    client, _user = staff(role=role, department="", username="someone")

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, open_form(parks_question.space)).status_code == 403
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_residents_and_visitors_are_sent_to_sign_in(parks_question: Question) -> None:
    for client in (client_for(make_resident()), Client()):
        response = client.post(NEW, open_form(parks_question.space, parks_question))
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_a_conversation_in_a_staff_only_space_is_not_shown_to_residents() -> None:
    space = make_space(visibility=Space.Visibility.STAFF, title="Staff wellbeing")
    client, user = staff(role=Role.COMMUNICATIONS, department="", username="comms")

    response = client.post(NEW, open_form(space))  # communications may open one on no question

    conversation = Conversation.objects.get()
    assert response.status_code == 302 and conversation.question is None and conversation.opened_by == user
    resident = client_for(make_resident()).get(conversation.get_absolute_url())
    assert resident.status_code == 403 and SEEDS[0] not in resident.content.decode()
    assert client.get(conversation.get_absolute_url()).status_code == 200


# ------------------------------------------------------------------------------- closing, more seeds


@pytest.fixture
def opened(parks_question: Question) -> Conversation:
    client, _user = staff(username="opener")
    assert client.post(NEW, open_form(parks_question.space, parks_question)).status_code == 302
    return Conversation.objects.get()


def status_url(conversation: Conversation) -> str:
    return f"/staff/conversations/{conversation.pk}/status/"


@pytest.mark.django_db
def test_closing_stops_votes_and_reopening_takes_them_again(opened: Conversation) -> None:
    client, _user = staff()
    resident = client_for(make_resident())
    first, second = opened.statements.order_by("id")[:2]

    before = resident.post(f"/conversations/{opened.pk}/vote/", {"statement": first.pk, "vote": "agree"})
    closed = client.post(status_url(opened), {"status": "closed"})
    page = client.get(f"/staff/conversations/{opened.pk}/").content.decode()
    refused = resident.post(f"/conversations/{opened.pk}/vote/", {"statement": second.pk, "vote": "agree"})
    statement = resident.post(f"/conversations/{opened.pk}/statements/", {"text": "Benches in the shade."})
    opened.refresh_from_db()
    status_when_closed = opened.status
    reopened = client.post(status_url(opened), {"status": "open"})
    after = resident.post(f"/conversations/{opened.pk}/vote/", {"statement": second.pk, "vote": "agree"})

    assert before.status_code == closed.status_code == reopened.status_code == after.status_code == 302
    assert status_when_closed == Conversation.Status.CLOSED and "Reopen the conversation" in page
    assert refused.status_code == 403 and "no longer takes votes" in refused.content.decode()
    assert (
        statement.status_code == 403 and not Statement.objects.filter(text="Benches in the shade.").exists()
    )
    assert list(Vote.objects.order_by("id").values_list("statement_id", flat=True)) == [first.pk, second.pk]
    opened.refresh_from_db()
    assert opened.status == Conversation.Status.OPEN


@pytest.mark.django_db
def test_only_staff_of_its_department_close_it(opened: Conversation) -> None:
    streets, _user = staff(department="Streets", username="streets")
    moderator, _user = staff(role=Role.MODERATOR, department="", username="moderator")

    assert streets.post(status_url(opened), {"status": "closed"}).status_code == 403
    assert moderator.post(status_url(opened), {"status": "closed"}).status_code == 403
    opened.refresh_from_db()
    assert opened.status == Conversation.Status.OPEN


@pytest.mark.django_db
def test_staff_add_more_seed_statements_later_but_none_already_there(opened: Conversation) -> None:
    client, _user = staff()
    url = f"/staff/conversations/{opened.pk}/seeds/"

    repeated = client.post(url, {"seeds-seeds": f"Shade for playgrounds.\n\n{SEEDS[2].lower()}"})
    added = client.post(url, {"seeds-seeds": "Shade for playgrounds.\nDog areas in every park."})
    client.post(status_url(opened), {"status": "closed"})
    when_closed = client.post(url, {"seeds-seeds": "Lights on the paths."})

    assert (
        repeated.status_code == 400 and "Line 3 is in the conversation already." in repeated.content.decode()
    )
    assert added.status_code == 302
    assert when_closed.status_code == 400 and "reopen it to add statements" in when_closed.content.decode()
    assert list(opened.statements.order_by("id").values_list("external_id", "text", "moderation")) == [
        *((str(n), text, Statement.Moderation.ACCEPTED) for n, text in enumerate(SEEDS)),
        ("3", "Shade for playgrounds.", Statement.Moderation.ACCEPTED),
        ("4", "Dog areas in every park.", Statement.Moderation.ACCEPTED),
    ]


# ------------------------------------------------------------------------------------------ service


@pytest.mark.django_db
def test_the_conversation_and_its_seeds_are_written_together(
    parks_question: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civicloop.deliberation.services import opening

    _client, user = staff()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise opening.DomainError("the statements could not be written")

    monkeypatch.setattr(opening, "_seeds_create", fail)
    with pytest.raises(opening.DomainError):
        opening.conversation_open(
            title="T", prompt="P", space=parks_question.space, question=parks_question, seeds=SEEDS, user=user
        )

    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_moderator_whatever_the_page(parks_question: Question) -> None:
    from civicloop.deliberation.services import DeliberationRefused, conversation_open

    _client, moderator = staff(role=Role.MODERATOR, department="", username="moderator")

    with pytest.raises(DeliberationRefused):
        conversation_open(title="T", prompt="P", space=parks_question.space, seeds=SEEDS, user=moderator)
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_the_form_and_its_errors_are_in_spanish(parks_question: Question) -> None:
    client, _user = staff()
    client.cookies["django_language"] = "es"

    form = client.get(NEW).content.decode()
    error = client.post(
        NEW, open_form(parks_question.space, parks_question, seeds=["x" * 141])
    ).content.decode()

    assert "Abrir una conversación" in form and "Afirmaciones iniciales" in form
    assert "La línea 1 tiene 141 caracteres" in error
