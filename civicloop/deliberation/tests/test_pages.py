"""The conversation pages: vote one statement at a time (no JavaScript needed), and the report."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from civicloop.deliberation.models import (
    AnalysisResult,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)
from civicloop.deliberation.selectors import (
    analysis_json,
    analysis_latest,
    statement_extremeness,
    statement_next,
    statement_priority,
)
from civicloop.deliberation.services import conversation_analyse, polis_import
from civicloop.engage.models import Space
from civicloop.engage.tests.conftest import client_for, make_resident, make_space

DATA = Path(__file__).parent / "data"
SMALL = "15-per-hour-seattle"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings: Any) -> Iterator[None]:
    settings.MODERATION_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
    cache.clear()
    yield
    cache.clear()


def make_conversation(
    *,
    space: Space | None = None,
    texts: tuple[str, ...] = ("More trees", "Fewer cars", "Longer hours"),
    **fields: Any,
) -> Conversation:
    conversation = Conversation.objects.create(
        title="Our parks",
        prompt="How should the Park District spend next year?",
        space=space if space is not None else make_space(),
        **fields,
    )
    for number, text in enumerate(texts):
        Statement.objects.create(
            conversation=conversation,
            external_id=str(number),
            text=text,
            moderation=Statement.Moderation.ACCEPTED,
        )
    return conversation


def first_statement(conversation: Conversation) -> Statement:
    return conversation.statements.order_by("id")[0]


def shown_statement(client: Client, conversation: Conversation) -> Statement | None:
    response = client.get(conversation.get_absolute_url())
    assert response.status_code == 200
    statement = response.context["statement"]
    return statement


def vote(client: Client, conversation: Conversation, statement: Statement, value: str) -> Any:
    return client.post(f"/conversations/{conversation.pk}/vote/", {"statement": statement.pk, "vote": value})


# ------------------------------------------------------------------------------------------- voting


@pytest.mark.django_db
def test_anonymous_visitor_sees_the_prompt_and_a_sign_in_link_and_cannot_vote(client: Client) -> None:
    conversation = make_conversation()

    page = client.get(conversation.get_absolute_url())
    posted = client.post(
        f"/conversations/{conversation.pk}/vote/",
        {"statement": first_statement(conversation).pk, "vote": "agree"},
    )

    html = page.content.decode()
    assert page.status_code == 200 and "Our parks" in html and "How should the Park District" in html
    assert f"/ideas/sign-in/?next=/conversations/{conversation.pk}/" in html
    assert 'name="vote"' not in html and "3 statements, 0 voted" in html
    assert posted.status_code == 302 and posted["Location"].startswith("/ideas/sign-in/")
    assert not Vote.objects.exists() and not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_a_resident_votes_agree_disagree_pass_one_statement_at_a_time_until_done() -> None:
    conversation = make_conversation()
    ana = make_resident()
    client = client_for(ana)
    seen: list[int] = []

    for value in ("agree", "disagree", "pass"):
        statement = shown_statement(client, conversation)
        assert statement is not None and statement.pk not in seen
        seen.append(statement.pk)
        response = vote(client, conversation, statement, value)
        assert response.status_code == 302 and response["Location"].startswith(
            conversation.get_absolute_url()
        )

    done = client.get(conversation.get_absolute_url()).content.decode()
    assert "You have voted on every statement" in done and "3 statements, 3 voted" in done
    votes = dict(Vote.objects.values_list("statement_id", "value"))
    assert votes == {seen[0]: 1, seen[1]: -1, seen[2]: 0}
    assert ConversationParticipant.objects.get().resident == ana


@pytest.mark.django_db
def test_the_page_shows_the_count_and_big_buttons_in_a_plain_form() -> None:
    conversation = make_conversation()
    client = client_for(make_resident())
    statement = shown_statement(client, conversation)
    assert statement is not None
    vote(client, conversation, statement, "agree")

    html = client.get(conversation.get_absolute_url()).content.decode()

    assert "3 statements, 1 voted" in html and "csrfmiddlewaretoken" in html
    for value in ("agree", "disagree", "pass"):
        assert f'name="vote" value="{value}"' in html


@pytest.mark.django_db
def test_a_second_vote_on_the_same_statement_replaces_the_first() -> None:
    conversation = make_conversation()
    client = client_for(make_resident())
    statement = first_statement(conversation)

    vote(client, conversation, statement, "agree")
    vote(client, conversation, statement, "disagree")

    assert list(Vote.objects.values_list("statement_id", "value")) == [(statement.pk, -1)]


@pytest.mark.django_db
def test_statements_with_fewer_votes_come_first_and_the_choice_is_stable() -> None:
    conversation = make_conversation()
    busy, *_rest = list(conversation.statements.order_by("id"))
    for n in range(12):  # the first statement already has many votes from others
        other = ConversationParticipant.objects.create(conversation=conversation, external_id=f"x{n}")
        Vote.objects.create(conversation=conversation, participant=other, statement=busy, value=1)
    ana = ConversationParticipant.objects.create(conversation=conversation, external_id="ana")

    first = statement_next(conversation, ana)

    assert first is not None and first != busy
    assert statement_next(conversation, ana) == first  # a reload shows the same statement


def test_polis_priority_favours_new_and_divisive_statements() -> None:
    fresh = statement_priority(seen=0, agrees=0, passes=0)
    assert fresh > statement_priority(seen=30, agrees=15, passes=0)
    assert statement_priority(seen=10, agrees=5, passes=1, extremeness=2.0) > statement_priority(
        seen=10, agrees=5, passes=1
    )
    assert statement_priority(seen=10, agrees=5, passes=9) < statement_priority(seen=10, agrees=5, passes=0)


@pytest.mark.django_db
def test_routing_reads_how_divisive_each_statement_was_from_the_latest_analysis(
    seattle: Conversation,
) -> None:
    extremeness = statement_extremeness(seattle)
    rejected = set(
        Statement.objects.filter(conversation=seattle, moderation=Statement.Moderation.REJECTED).values_list(
            "external_id", flat=True
        )
    )
    assert extremeness and not rejected & set(extremeness)
    assert all(value >= 0 for value in extremeness.values())
    assert statement_extremeness(make_conversation()) == {}


@pytest.mark.django_db
def test_csrf_is_enforced_on_the_vote() -> None:
    conversation = make_conversation()
    ana = make_resident()
    client = client_for(ana)
    client.handler.enforce_csrf_checks = True

    response = vote(client, conversation, first_statement(conversation), "agree")

    assert response.status_code == 403 and not Vote.objects.exists()


@pytest.mark.django_db
def test_a_vote_on_a_rejected_statement_is_refused_and_nothing_is_written() -> None:
    conversation = make_conversation()
    rejected = Statement.objects.create(
        conversation=conversation, external_id="9", text="Removed", moderation=Statement.Moderation.REJECTED
    )
    client = client_for(make_resident())

    response = vote(client, conversation, rejected, "agree")

    assert response.status_code == 403 and "removed by moderation" in response.content.decode()
    assert not Vote.objects.exists() and not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_a_statement_of_another_conversation_is_refused() -> None:
    conversation = make_conversation()
    other = make_conversation(space=make_space(title="Libraries"), texts=("Open on Sundays",))
    client = client_for(make_resident())

    response = vote(client, conversation, first_statement(other), "agree")

    assert response.status_code == 403 and not Vote.objects.exists()
    assert not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_votes_are_rate_limited_per_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from civicloop.deliberation import views

    monkeypatch.setattr(views, "VOTES_PER_ADDRESS", 2)
    conversation = make_conversation()
    client = client_for(make_resident())
    statements = list(conversation.statements.order_by("id"))

    codes = [vote(client, conversation, statement, "agree").status_code for statement in statements]

    assert codes == [302, 302, 429] and Vote.objects.count() == 2


@pytest.mark.django_db
def test_a_closed_conversation_takes_no_votes() -> None:
    conversation = make_conversation(status=Conversation.Status.CLOSED)
    client = client_for(make_resident())

    page = client.get(conversation.get_absolute_url()).content.decode()
    response = vote(client, conversation, first_statement(conversation), "agree")

    assert "This conversation is closed" in page and 'name="vote"' not in page
    assert response.status_code == 403 and "closed" in response.content.decode()
    assert not Vote.objects.exists() and not ConversationParticipant.objects.exists()


@pytest.mark.django_db
def test_a_staff_only_conversation_is_refused_to_a_resident() -> None:
    conversation = make_conversation(space=make_space(Space.Visibility.STAFF, title="Staff"))
    client = client_for(make_resident())

    page = client.get(conversation.get_absolute_url())
    report = client.get(f"/conversations/{conversation.pk}/report/")
    response = vote(client, conversation, first_statement(conversation), "agree")

    assert page.status_code == report.status_code == response.status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_an_unknown_conversation_is_not_found(client: Client) -> None:
    assert client.get("/conversations/999999/").status_code == 404


@pytest.mark.django_db
def test_the_voting_page_and_a_vote_use_a_bounded_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    conversation = make_conversation(texts=tuple(f"Statement {n}" for n in range(40)))
    client = client_for(make_resident())
    statement = shown_statement(client, conversation)
    assert statement is not None

    with django_assert_max_num_queries(11):
        client.get(conversation.get_absolute_url())
    with django_assert_max_num_queries(20):
        vote(client, conversation, statement, "agree")


# ------------------------------------------------------------------------------------------- report


@pytest.fixture
def seattle(db: Any) -> Conversation:
    conversation = polis_import(DATA / SMALL)
    conversation.space = make_space(title="Wages")
    conversation.report_published_at = timezone.now()  # residents see a report once it is published
    conversation.save(update_fields=["space", "report_published_at"])
    conversation_analyse(conversation)
    return conversation


@pytest.mark.django_db
def test_the_report_shows_groups_their_statements_the_map_and_consensus(
    client: Client, seattle: Conversation
) -> None:
    stored = analysis_latest(seattle)
    assert stored is not None and stored.enough_data
    groups = stored.opinion_map["groups"]
    representative = groups[0]["representative"][0]["statement"]
    consensus = stored.opinion_map["consensus"][0]["statement"]
    texts = dict(Statement.objects.filter(conversation=seattle).values_list("external_id", "text"))

    response = client.get(f"/conversations/{seattle.pk}/report/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-labelledby="map-title map-desc"' in html and '<title id="map-title">' in html
    assert html.count('<use href="#mark-') >= stored.opinion_map["report"]["in_map"] > 0
    for group in groups:
        label = f"Group {chr(ord('A') + group['id'])}"
        assert f">{label}</a></th>" in html  # the table alternative
        assert f"<td>{len(group['participants'])}</td>" in html
    assert "% agree" in html and "Everyone else:" in html
    from django.utils.html import escape

    assert escape(texts[representative]) in html and escape(texts[consensus]) in html


@pytest.mark.django_db
def test_statement_text_in_the_report_is_escaped(client: Client, seattle: Conversation) -> None:
    stored = analysis_latest(seattle)
    assert stored is not None
    number = stored.opinion_map["groups"][0]["representative"][0]["statement"]
    Statement.objects.filter(conversation=seattle, external_id=number).update(
        text='<script>alert("x")</script>'
    )

    html = client.get(f"/conversations/{seattle.pk}/report/").content.decode()

    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_the_report_query_count_is_bounded(
    client: Client, seattle: Conversation, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5):
        assert client.get(f"/conversations/{seattle.pk}/report/").status_code == 200


@pytest.mark.django_db
def test_the_analyze_json_contract_does_not_carry_the_report_extras(seattle: Conversation) -> None:
    stored = analysis_latest(seattle)
    assert stored is not None
    assert "report" not in analysis_json(stored) and set(stored.opinion_map["report"]) >= {
        "points",
        "centres",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("analysed", "voters"), [(False, 0), (True, 0), (True, 3)])
def test_too_little_data_gets_the_not_enough_data_sentence(
    client: Client, analysed: bool, voters: int
) -> None:
    conversation = make_conversation(
        texts=() if not voters else ("One", "Two", "Three"), report_published_at=timezone.now()
    )
    for n in range(voters):
        person = ConversationParticipant.objects.create(conversation=conversation, external_id=str(n))
        for statement in conversation.statements.all():
            Vote.objects.create(
                conversation=conversation, participant=person, statement=statement, value=1 - n % 2
            )
    if analysed:
        conversation_analyse(conversation)
        assert AnalysisResult.objects.filter(conversation=conversation).exists()

    response = client.get(f"/conversations/{conversation.pk}/report/")

    assert response.status_code == 200 and "There is not enough data yet" in response.content.decode()
