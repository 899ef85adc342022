"""Staff publish a conversation's report and attach the city's official response, like an idea's."""

from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Role, User
from civicloop.deliberation.models import Conversation
from civicloop.deliberation.services import conversation_analyse, polis_import
from civicloop.deliberation.tests.test_pages import DATA, SMALL, make_conversation
from civicloop.engage.tests.conftest import client_for, make_question, make_resident, make_space

PARKS = "Chicago Park District"


@pytest.fixture
def unpublished(db: Any) -> Conversation:
    """An analysed conversation on a Park District question, its report not published."""
    conversation = polis_import(DATA / SMALL)
    space = make_space(title="Wages")
    conversation.space = space
    conversation.question = make_question(space, department=PARKS)
    conversation.save(update_fields=["space", "question"])
    conversation_analyse(conversation)
    return conversation


def staff(role: str = Role.DEPARTMENT, department: str = PARKS, username: str = "parks") -> Client:
    user = User.objects.create_user(username=username, password="x", role=role, department=department)
    client = Client()
    client.force_login(user)
    return client


def report_url(conversation: Conversation) -> str:
    return f"/conversations/{conversation.pk}/report/"


# ---------------------------------------------------------------------------------- before publishing


@pytest.mark.django_db
def test_before_publication_residents_see_a_plain_not_published_yet(unpublished: Conversation) -> None:
    response = client_for(make_resident()).get(report_url(unpublished))

    html = response.content.decode()
    assert response.status_code == 200 and "not published yet" in html
    assert "Opinion map" not in html and "Group A" not in html and response.context["report"] is None


@pytest.mark.django_db
def test_before_publication_staff_see_the_live_report_marked_unpublished(unpublished: Conversation) -> None:
    html = staff().get(report_url(unpublished)).content.decode()

    assert "Not published yet: only staff can see this report." in html
    assert "Opinion map" in html and f"/staff/conversations/{unpublished.pk}/" in html


# ------------------------------------------------------------------------------------- publishing


@pytest.mark.django_db
def test_department_staff_publish_the_report_with_an_official_response(unpublished: Conversation) -> None:
    client = staff()
    resident = client_for(make_resident())

    page = client.get(f"/staff/conversations/{unpublished.pk}/")
    answered = client.post(
        f"/staff/conversations/{unpublished.pk}/response/",
        {"response-body": "We will raise the wage for seasonal park staff next spring."},
    )
    before = resident.get(report_url(unpublished)).content.decode()
    published = client.post(f"/staff/conversations/{unpublished.pk}/publish/", {"publish": "1"})
    after = resident.get(report_url(unpublished)).content.decode()

    assert page.status_code == 200 and "Publish the report" in page.content.decode()
    assert answered.status_code == published.status_code == 302
    assert "seasonal park staff" not in before  # a draft until the report is published
    unpublished.refresh_from_db()
    publisher = unpublished.report_published_by
    assert unpublished.report_published and publisher is not None and publisher.username == "parks"
    assert "Official response — Chicago Park District" in after and "seasonal park staff" in after
    assert "Opinion map" in after and "not published yet" not in after


@pytest.mark.django_db
def test_withdrawing_the_report_hides_it_from_residents_again(unpublished: Conversation) -> None:
    client = staff()
    client.post(f"/staff/conversations/{unpublished.pk}/publish/", {"publish": "1"})

    client.post(f"/staff/conversations/{unpublished.pk}/publish/", {"publish": "0"})

    html = client_for(make_resident()).get(report_url(unpublished)).content.decode()
    assert "not published yet" in html and "Opinion map" not in html


@pytest.mark.django_db
def test_a_report_with_no_analysis_cannot_be_published(db: Any) -> None:
    conversation = make_conversation()  # no question: staff of no department (communications) answer

    response = staff(Role.COMMUNICATIONS, department="", username="comms").post(
        f"/staff/conversations/{conversation.pk}/publish/", {"publish": "1"}
    )

    assert response.status_code == 400 and "no report to publish yet" in response.content.decode()
    conversation.refresh_from_db()
    assert not conversation.report_published


@pytest.mark.django_db
def test_an_official_response_too_long_is_a_form_error_and_nothing_is_saved(
    unpublished: Conversation,
) -> None:
    response = staff().post(f"/staff/conversations/{unpublished.pk}/response/", {"response-body": "w" * 2001})

    assert response.status_code == 400 and response.context["response_form"].errors["body"]
    unpublished.refresh_from_db()
    assert unpublished.official_response == "" and unpublished.official_response_at is None


# ------------------------------------------------------------------------------------ who may


@pytest.mark.django_db
def test_another_department_can_read_but_not_publish_or_respond(unpublished: Conversation) -> None:
    client = staff(department="Department of Streets and Sanitation", username="streets")

    page = client.get(f"/staff/conversations/{unpublished.pk}/").content.decode()
    published = client.post(f"/staff/conversations/{unpublished.pk}/publish/", {"publish": "1"})
    answered = client.post(f"/staff/conversations/{unpublished.pk}/response/", {"response-body": "No."})

    assert "Only Chicago Park District answers this conversation" in page
    assert published.status_code == answered.status_code == 403
    unpublished.refresh_from_db()
    assert not unpublished.report_published and unpublished.official_response == ""


@pytest.mark.django_db
def test_a_moderator_cannot_publish_reports(unpublished: Conversation) -> None:
    client = staff(Role.MODERATOR, department="", username="mo")

    assert client.get(f"/staff/conversations/{unpublished.pk}/").status_code == 403
    assert client.post(f"/staff/conversations/{unpublished.pk}/publish/", {"publish": "1"}).status_code == 403
    unpublished.refresh_from_db()
    assert not unpublished.report_published


@pytest.mark.django_db
def test_the_staff_list_shows_each_conversation_and_its_report_state(unpublished: Conversation) -> None:
    html = staff().get("/staff/conversations/").content.decode()

    assert unpublished.title in html and "Not published" in html


@pytest.mark.django_db
def test_the_not_published_notice_is_in_spanish(unpublished: Conversation) -> None:
    response = client_for(make_resident()).get(report_url(unpublished), HTTP_ACCEPT_LANGUAGE="es")

    assert "todavía no se ha publicado" in response.content.decode()
