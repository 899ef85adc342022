"""Open data of a conversation: statements, votes and groups as CSV at /conversations/<id>/data/*.csv,
for published reports in public spaces only, residents shown by their anonymous number alone."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.deliberation import opendata
from civicloop.deliberation.models import Conversation, ConversationParticipant, Statement, Vote
from civicloop.deliberation.selectors import analysis_latest
from civicloop.deliberation.services import conversation_analyse, polis_import, resident_vote, vote_cast
from civicloop.deliberation.tests.test_pages import DATA, SMALL, make_conversation
from civicloop.deliberation.tests.test_report_publication import staff
from civicloop.engage.models import Space
from civicloop.engage.tests.conftest import make_resident, make_space

CONTACTS = {"ana.lopez@example.org": "Ana", "+13125550147": "Ben", "chen.wu@example.org": "Chen"}


def data_url(conversation: Conversation, table: str) -> str:
    return f"/conversations/{conversation.pk}/data/{table}.csv"


def download(conversation: Conversation, table: str, client: Client | None = None) -> list[dict[str, str]]:
    response = (client or Client()).get(data_url(conversation, table))
    assert response.status_code == 200, response.status_code
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.getvalue().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def raw(conversation: Conversation, table: str) -> str:
    response = Client().get(data_url(conversation, table))
    return response.getvalue().decode("utf-8")


def publish(conversation: Conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(report_published_at=timezone.now())
    conversation.refresh_from_db()


@pytest.fixture
def voted(db: Any) -> Conversation:
    """Three residents (one by phone) vote on a public conversation; a held and a rejected statement."""
    for n in range(4):  # residents' own ids run ahead of their numbers in the conversation
        make_resident(f"someone{n}@example.org", name=f"Someone {n}")
    conversation = make_conversation(space=make_space(), texts=("More trees", "Fewer cars", "Longer hours"))
    accepted = list(conversation.statements.order_by("id"))
    held = Statement.objects.create(
        conversation=conversation, external_id="3", text="Held for a moderator", moderation="held"
    )
    rejected = Statement.objects.create(
        conversation=conversation, external_id="4", text="Removed by moderation", moderation="rejected"
    )
    values = {"Ana": (1, 1, -1), "Ben": (1, -1, 0), "Chen": (-1, 0, 1)}
    for contact, name in CONTACTS.items():
        resident = make_resident(contact, name=name)
        for statement, value in zip(accepted, values[name], strict=True):
            resident_vote(
                conversation=conversation, resident=resident, statement_id=statement.pk, value=value
            )
    ana = ConversationParticipant.objects.get(conversation=conversation, resident__display_name="Ana")
    vote_cast(ana, held, 1)
    Vote.objects.create(conversation=conversation, participant=ana, statement=rejected, value=1)
    return conversation


# ------------------------------------------------------------------------------------------ who sees


@pytest.mark.django_db
def test_an_unpublished_report_has_no_open_data_not_even_for_staff(voted: Conversation) -> None:
    staff_client = staff()
    for table in opendata.OPEN_DATA_TABLES:
        assert Client().get(data_url(voted, table)).status_code == 404
        assert staff_client.get(data_url(voted, table)).status_code == 404
    assert "Download the data" not in staff_client.get(f"/conversations/{voted.pk}/report/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", [Space.Visibility.STAFF, Space.Visibility.INVITE, None])
def test_a_published_report_outside_a_public_space_has_no_open_data(
    voted: Conversation, visibility: str | None
) -> None:
    voted.space = make_space(visibility=visibility, title="Inside") if visibility else None
    voted.save(update_fields=["space"])
    publish(voted)

    staff_client = staff()
    for table in opendata.OPEN_DATA_TABLES:
        assert staff_client.get(data_url(voted, table)).status_code == 404
    assert not opendata.open_data_available(voted)


@pytest.mark.django_db
def test_unknown_tables_and_conversations_are_404(voted: Conversation) -> None:
    publish(voted)
    assert Client().get(data_url(voted, "participants")).status_code == 404
    assert Client().get("/conversations/40404/data/votes.csv").status_code == 404
    assert Client().get(data_url(voted, "votes")).status_code == 200


@pytest.mark.django_db
def test_the_published_report_links_the_three_downloads_in_english_and_spanish(voted: Conversation) -> None:
    publish(voted)

    english = Client().get(f"/conversations/{voted.pk}/report/").content.decode()
    spanish = Client(headers={"accept-language": "es"}).get(f"/conversations/{voted.pk}/report/")

    assert "Download the data (CSV)" in english
    for table in opendata.OPEN_DATA_TABLES:
        assert f'href="{data_url(voted, table)}"' in english
    assert "Descargar los datos (CSV)" in spanish.content.decode()


# ------------------------------------------------------------------------------------------- tables


@pytest.mark.django_db
def test_statements_are_the_accepted_ones_with_their_counts(voted: Conversation) -> None:
    publish(voted)

    rows = download(voted, "statements")

    assert [(r["statement"], r["text"], r["moderation"]) for r in rows] == [
        ("0", "More trees", "accepted"),
        ("1", "Fewer cars", "accepted"),
        ("2", "Longer hours", "accepted"),
    ]
    assert [(r["agrees"], r["disagrees"], r["passes"]) for r in rows] == [
        ("2", "1", "0"),
        ("1", "1", "1"),
        ("1", "1", "1"),
    ]
    assert list(rows[0]) == list(opendata.STATEMENT_COLUMNS)


@pytest.mark.django_db
def test_votes_by_anonymous_number_on_accepted_statements_to_the_hour(voted: Conversation) -> None:
    publish(voted)
    Vote.objects.filter(conversation=voted).update(created_at=datetime(2026, 3, 2, 10, 37, 12, 5, tzinfo=UTC))

    rows = download(voted, "votes")

    numbers = dict(
        ConversationParticipant.objects.filter(conversation=voted).values_list(
            "resident__display_name", "external_id"
        )
    )
    assert len(rows) == 9 and {r["statement"] for r in rows} == {"0", "1", "2"}
    assert {(r["statement"], r["vote"]) for r in rows if r["participant"] == numbers["Ben"]} == {
        ("0", "1"),
        ("1", "-1"),
        ("2", "0"),
    }
    assert {r["hour"] for r in rows} == {"2026-03-02T10:00:00Z"}


@pytest.mark.django_db
def test_no_csv_names_a_resident_or_their_account(voted: Conversation) -> None:
    publish(voted)
    conversation_analyse(voted)
    people = ConversationParticipant.objects.filter(conversation=voted).select_related("resident__user")

    texts = {table: raw(voted, table) for table in opendata.OPEN_DATA_TABLES}
    votes = list(csv.DictReader(io.StringIO(texts["votes"])))

    assert {r["participant"] for r in votes} == {p.external_id for p in people} == {"0", "1", "2"}
    resident_ids = {str(p.resident_id) for p in people}
    assert resident_ids.isdisjoint({r["participant"] for r in votes})  # numbers, not account ids
    for text in texts.values():
        for contact, name in CONTACTS.items():
            assert contact not in text and contact.lstrip("+") not in text and name not in text
        assert "example.org" not in text and "5550147" not in text


@pytest.mark.django_db
def test_groups_are_the_latest_analysis_by_number_with_accepted_representatives() -> None:
    conversation = polis_import(DATA / SMALL)
    conversation.space = make_space()
    conversation.save(update_fields=["space"])
    conversation_analyse(conversation)
    publish(conversation)
    latest = analysis_latest(conversation)
    assert latest is not None and latest.enough_data

    rows = download(conversation, "groups")

    members = {r["participant"]: int(r["group-id"]) for r in rows if r["kind"] == "member"}
    assert members == {p: g["id"] for g in latest.opinion_map["groups"] for p in g["participants"]}
    accepted = set(
        conversation.statements.filter(moderation="accepted").values_list("external_id", flat=True)
    )
    representative = [r for r in rows if r["kind"] == "representative"]
    expected = [
        (str(g["id"]), s["statement"], s["direction"])
        for g in latest.opinion_map["groups"]
        for s in g["representative"]
        if s["statement"] in accepted
    ]
    assert (
        representative
        and [(r["group-id"], r["statement"], r["direction"]) for r in representative] == expected
    )
    assert all(0 <= float(r["agree"]) <= 1 and r["participant"] == "" for r in representative)


@pytest.mark.django_db
def test_participants_excluded_for_coordinated_voting_are_left_out_of_every_table(
    voted: Conversation,
) -> None:
    publish(voted)
    conversation_analyse(voted)
    ben = ConversationParticipant.objects.get(conversation=voted, resident__display_name="Ben")
    ConversationParticipant.objects.filter(pk=ben.pk).update(excluded_at=timezone.now())

    votes = download(voted, "votes")
    statements = download(voted, "statements")
    groups = download(voted, "groups")

    assert len(votes) == 6 and ben.external_id not in {r["participant"] for r in votes}
    assert [(r["agrees"], r["disagrees"], r["passes"]) for r in statements] == [
        ("1", "1", "0"),
        ("1", "0", "1"),
        ("1", "1", "0"),
    ]
    assert ben.external_id not in {r["participant"] for r in groups}


@pytest.mark.django_db
def test_no_analysis_gives_a_groups_table_with_its_header_only(voted: Conversation) -> None:
    publish(voted)
    assert raw(voted, "groups").splitlines() == [",".join(opendata.GROUP_COLUMNS)]
