"""Residents add statements (140 characters, through the civility check); moderators decide held ones."""

from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.deliberation.models import Conversation, ConversationParticipant, Statement, Vote
from civicloop.deliberation.services import StatementAlreadyDecided, statement_moderate
from civicloop.deliberation.tests.test_pages import first_statement, make_conversation, vote
from civicloop.engage.tests.conftest import HOLD_WORD, client_for, make_resident


def add(client: Client, conversation: Conversation, text: str) -> Any:
    return client.post(f"/conversations/{conversation.pk}/statements/", {"text": text})


@pytest.fixture
def moderator(db: Any) -> User:
    return User.objects.create_user(username="mo", password="x", role=Role.MODERATOR)


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ------------------------------------------------------------------------------------- adding one


@pytest.mark.django_db
def test_a_resident_adds_a_statement_that_others_are_then_asked_about() -> None:
    conversation = make_conversation(texts=())
    ana = make_resident()

    response = add(client_for(ana), conversation, "  Open the field house on Sundays  ")

    assert response.status_code == 302 and response["Location"].endswith("#your-statements")
    statement = Statement.objects.get(conversation=conversation)
    assert statement.text == "Open the field house on Sundays"
    assert statement.moderation == Statement.Moderation.ACCEPTED and statement.external_id == "0"
    assert statement.author is not None and statement.author.resident == ana
    ben = client_for(make_resident("ben@example.org", name="Ben"))
    assert ben.get(conversation.get_absolute_url()).context["statement"] == statement


@pytest.mark.django_db
def test_a_new_statement_takes_the_next_number_after_the_existing_ones() -> None:
    conversation = make_conversation()  # statements 0, 1, 2

    add(client_for(make_resident()), conversation, "Light the paths at night")

    assert Statement.objects.get(text="Light the paths at night").external_id == "3"


@pytest.mark.django_db
def test_an_uncivil_statement_is_held_for_a_moderator_and_shown_only_to_its_author() -> None:
    conversation = make_conversation(texts=())
    author = client_for(make_resident())

    response = add(author, conversation, f"The planners are {HOLD_WORD}")

    statement = Statement.objects.get(conversation=conversation)
    assert response.status_code == 302
    assert statement.moderation == Statement.Moderation.HELD and statement.held_reasons == ["uncivil"]
    page = author.get(conversation.get_absolute_url()).content.decode()
    assert "waits for a moderator" in page and "Waiting for a moderator: only you can see it" in page
    other = client_for(make_resident("ben@example.org", name="Ben"))
    other_page = other.get(conversation.get_absolute_url())
    assert other_page.context["statement"] is None and HOLD_WORD not in other_page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["x" * 141, "   "])
def test_a_statement_too_long_or_empty_is_a_form_error_and_nothing_is_written(text: str) -> None:
    conversation = make_conversation(texts=())

    response = add(client_for(make_resident()), conversation, text)

    assert response.status_code == 400
    assert response.context["statement_form"].errors["text"]
    assert 'class="error-message"' in response.content.decode()
    assert not Statement.objects.exists() and not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_long_statement_even_past_the_form() -> None:
    from civicloop.deliberation.services import DeliberationInvalid, statement_add

    conversation = make_conversation(texts=())

    with pytest.raises(DeliberationInvalid) as error:
        statement_add(conversation=conversation, resident=make_resident(), text="y" * 141)

    assert error.value.field == "text" and "140" in error.value.message
    assert not Statement.objects.exists() and not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_the_same_statement_twice_is_a_form_error() -> None:
    conversation = make_conversation()  # has "More trees"

    response = add(client_for(make_resident()), conversation, "more trees")

    assert response.status_code == 400 and "in the conversation already" in response.content.decode()
    assert conversation.statements.count() == 3 and not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_a_closed_conversation_takes_no_statements_and_shows_no_form() -> None:
    conversation = make_conversation(texts=(), status=Conversation.Status.CLOSED)
    client = client_for(make_resident())

    page = client.get(conversation.get_absolute_url()).content.decode()
    response = add(client, conversation, "Too late")

    assert 'name="text"' not in page
    assert response.status_code == 403 and "no longer takes statements" in response.content.decode()
    assert not Statement.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    conversation = make_conversation(texts=())

    response = add(client, conversation, "Anonymous idea")

    assert response.status_code == 302 and response["Location"].startswith("/ideas/sign-in/")
    assert not Statement.objects.exists()


@pytest.mark.django_db
def test_a_resident_adds_only_a_few_statements_in_ten_minutes() -> None:
    conversation = make_conversation(texts=())
    client = client_for(make_resident())

    codes = [add(client, conversation, f"Idea number {n}").status_code for n in range(6)]

    assert codes == [302] * 5 + [429] and conversation.statements.count() == 5


# ----------------------------------------------------------------------------------- votes refused


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moderation", "message"),
    [("rejected", "removed by moderation"), ("held", "waiting for a moderator")],
)
def test_a_vote_on_a_rejected_or_held_statement_is_refused_plainly(moderation: str, message: str) -> None:
    conversation = make_conversation()
    statement = first_statement(conversation)
    Statement.objects.filter(pk=statement.pk).update(moderation=moderation)

    response = vote(client_for(make_resident()), conversation, statement, "agree")

    assert response.status_code == 403 and message in response.content.decode()
    assert not Vote.objects.exists() and not ConversationParticipant.objects.exists()


# -------------------------------------------------------------------------------------- moderators


def held_statement(conversation: Conversation) -> Statement:
    add(client_for(make_resident("held@example.org", name="Held")), conversation, f"You are {HOLD_WORD}")
    return Statement.objects.get(conversation=conversation, moderation=Statement.Moderation.HELD)


@pytest.mark.django_db
def test_a_moderator_sees_held_statements_and_accepting_one_puts_it_to_residents(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = held_statement(conversation)
    client = staff_client(moderator)

    queue = client.get("/staff/conversations/statements/")
    decided = client.post(
        f"/staff/conversations/statements/{statement.pk}/decide/", {"seen": "held", "action": "accept"}
    )

    assert queue.status_code == 200 and statement.text in queue.content.decode()
    assert "Held by the check: Insults, abuse or harassment" in queue.content.decode()
    assert decided.status_code == 302
    statement.refresh_from_db()
    assert statement.moderation == "accepted" and statement.moderated_by == moderator
    resident = client_for(make_resident("ben@example.org", name="Ben"))
    assert resident.get(conversation.get_absolute_url()).context["statement"] == statement
    assert statement.text not in client.get("/staff/conversations/statements/").content.decode()


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_is_kept_with_it(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = held_statement(conversation)
    client = staff_client(moderator)
    url = f"/staff/conversations/statements/{statement.pk}/decide/"

    client.post(url, {"seen": "held", "action": "reject", "reason": ""})
    statement.refresh_from_db()
    assert statement.moderation == "held"

    client.post(url, {"seen": "held", "action": "reject", "reason": "uncivil", "note": "Name-calling"})
    statement.refresh_from_db()
    assert statement.moderation == "rejected" and statement.moderation_reason == "uncivil"
    assert statement.moderation_note == "Name-calling" and statement.moderated_at is not None


@pytest.mark.django_db
def test_a_second_decision_on_the_same_state_changes_nothing(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = held_statement(conversation)
    statement_moderate(statement_id=statement.pk, seen="held", accept=True, moderator=moderator)

    with pytest.raises(StatementAlreadyDecided):
        statement_moderate(
            statement_id=statement.pk, seen="held", accept=False, reason="spam", moderator=moderator
        )

    statement.refresh_from_db()
    assert statement.moderation == "accepted" and statement.moderation_reason == ""


@pytest.mark.django_db
def test_only_moderators_decide_statements(moderator: User) -> None:
    conversation = make_conversation(texts=())
    statement = held_statement(conversation)
    department = User.objects.create_user(username="parks", password="x", role=Role.DEPARTMENT)

    queue = staff_client(department).get("/staff/conversations/statements/")
    decided = staff_client(department).post(
        f"/staff/conversations/statements/{statement.pk}/decide/", {"seen": "held", "action": "accept"}
    )
    anonymous = Client().get("/staff/conversations/statements/")

    assert queue.status_code == decided.status_code == 403
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    statement.refresh_from_db()
    assert statement.moderation == "held"


@pytest.mark.django_db
def test_the_statement_form_and_its_errors_are_in_spanish() -> None:
    conversation = make_conversation(texts=())
    client = client_for(make_resident())

    page = client.get(conversation.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    refused = client.post(
        f"/conversations/{conversation.pk}/statements/", {"text": "   "}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert "Añada su propia afirmación" in page and "140 caracteres como máximo" in page
    assert refused.status_code == 400 and "Añadir afirmación" in refused.content.decode()


@pytest.mark.django_db
def test_a_bot_filling_the_hidden_field_is_quietly_ignored() -> None:
    conversation = make_conversation(texts=())

    response = client_for(make_resident()).post(
        f"/conversations/{conversation.pk}/statements/",
        {"text": "Buy cheap pills", "website": "spam.example"},
    )

    assert response.status_code == 302 and not Statement.objects.exists()
