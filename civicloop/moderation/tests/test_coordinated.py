"""Coordinated voting: groups of new accounts voting or supporting alike are flagged with evidence, a
moderator excludes them from the analysis (and undoes it); never automatic."""

import random
from datetime import timedelta

import numpy as np
import pytest
import scipy.sparse as sp
from django.test import Client

from civicloop.deliberation.models import AnalysisResult, Conversation, ConversationParticipant, Statement
from civicloop.deliberation.services import conversation_analyse, conversation_join, vote_cast
from civicloop.engage.models import Idea, Participant, Question
from civicloop.engage.selectors import _bridging_key, question_bridging, supports_counted, viewer_for
from civicloop.engage.services import idea_support
from civicloop.engage.tests.conftest import make_resident
from civicloop.moderation import coordinated
from civicloop.moderation.models import AuditEvent, CoordinatedVotingCase
from civicloop.moderation.tests.conftest import post_idea

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]

STATEMENTS = 8
BOT_VOTES = [1, 1, -1, 1, 0, -1, 1, 1]


def staff_client(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def accounts(count: int, *, prefix: str, age, step) -> list[Participant]:  # type: ignore[no-untyped-def]
    """`count` residents, the first made `age` ago and each next one `step` later."""
    return [
        make_resident(f"{prefix}{i}@example.org", name=f"{prefix}{i}", age=age - i * step)
        for i in range(count)
    ]


@pytest.fixture
def conversation(db):  # type: ignore[no-untyped-def]
    conversation = Conversation.objects.create(title="Bike lanes on Milwaukee Avenue")
    for number in range(STATEMENTS):
        Statement.objects.create(
            conversation=conversation,
            external_id=str(number),
            text=f"Statement {number}",
            moderation=Statement.Moderation.ACCEPTED,
        )
    return conversation


def vote_all(conversation: Conversation, person: Participant, values: list[int]) -> None:
    seat = conversation_join(conversation, person)
    for statement, value in zip(conversation.statements.order_by("id"), values, strict=True):
        vote_cast(seat, statement, value)


def planted(conversation: Conversation) -> tuple[list[Participant], list[Participant]]:
    """12 accounts made a minute apart half an hour ago, voting identically; 10 organic new accounts
    made hours apart voting their own way; 6 old accounts voting like the bloc."""
    bots = accounts(12, prefix="bot", age=timedelta(minutes=30), step=timedelta(minutes=1))
    for bot in bots:
        vote_all(conversation, bot, BOT_VOTES)
    draw = random.Random(7)
    organic = accounts(10, prefix="org", age=timedelta(days=3), step=timedelta(hours=5))
    for person in organic:
        vote_all(conversation, person, [draw.choice([-1, 0, 1]) for _ in range(STATEMENTS)])
    for person in accounts(6, prefix="old", age=timedelta(days=90), step=timedelta(minutes=1)):
        vote_all(conversation, person, BOT_VOTES)
    return bots, organic


# ------------------------------------------------------------------------------------------ the numbers


def test_near_duplicate_rows_are_grouped_and_different_rows_are_not():
    bloc = [1] * 10 + [0] * 10
    near = [1] * 9 + [0] * 11  # 9 of the bloc's 10: similarity 0.9
    other = [0] * 10 + [1] * 10
    rows = [bloc] * 5 + [near] + [other] * 2 + [[1] + [0] * 19]
    groups = coordinated.near_duplicate_groups(
        sp.csr_matrix(np.array(rows)), min_similarity=0.9, min_items=2, min_size=3
    )
    assert [g.tolist() for g in groups] == [[0, 1, 2, 3, 4, 5]]  # the pair is too few, the single too small


def test_near_duplicates_are_found_among_many_accounts_without_comparing_every_pair():
    draw = np.random.default_rng(5)
    people, statements, each = 20_000, 40, 25
    columns = np.argsort(draw.random((people, statements)), axis=1)[:, :each]
    values = draw.integers(0, 3, (people, each))
    columns[:30], values[:30] = columns[0], values[0]  # a bloc of 30, one of them with a vote changed
    values[29, 3] = (values[0, 3] + 1) % 3
    rows = np.repeat(np.arange(people), each)
    items = sp.csr_matrix((np.ones(rows.size), (rows, (columns * 3 + values).ravel())), shape=(people, 120))
    groups = coordinated.near_duplicate_groups(items, min_similarity=0.9, min_items=5, min_size=5)
    assert [g.tolist() for g in groups] == [list(range(30))]


def test_accounts_made_close_together_are_told_from_ones_made_apart():
    created = np.array([0, 60, 120, 180, 240, 100_000, 200_000], dtype=np.float64)
    assert coordinated.created_together(created, gap=3600, min_size=5).tolist() == [True] * 5 + [False] * 2


# ------------------------------------------------------------------------------------------ conversations


def test_a_bloc_of_identical_new_accounts_is_flagged_once_with_evidence_and_organic_voters_are_not(
    conversation,
):
    bots, organic = planted(conversation)

    [case] = coordinated.coordinated_voting_flag()

    assert case.kind == "conversation" and case.state == "open" and case.conversation == conversation
    assert case.accounts == 12 and case.votes == 12 * STATEMENTS and case.similarity == 1.0
    evidence = case.evidence
    assert sorted(evidence["participant_ids"]) == sorted(bot.pk for bot in bots)
    assert evidence["common_items"] == STATEMENTS and evidence["shared_by_all"] == STATEMENTS
    assert evidence["created_close_together"] == 12 and 10 <= evidence["created_span_minutes"] <= 12
    assert evidence["pattern"][0] == ["0", 1]
    assert not set(evidence["participant_ids"]) & {person.pk for person in organic}
    assert ConversationParticipant.objects.filter(excluded_at__isnull=False).count() == 0  # never automatic
    assert coordinated.coordinated_voting_flag() == []  # the same group is not flagged twice


def test_new_accounts_voting_alike_but_made_days_apart_are_not_flagged(conversation):
    for person in accounts(8, prefix="far", age=timedelta(days=5), step=timedelta(hours=12)):
        vote_all(conversation, person, BOT_VOTES)
    assert coordinated.coordinated_voting_flag() == []


def test_a_moderator_excludes_the_bloc_the_analysis_leaves_it_out_and_undo_puts_it_back(
    conversation, moderator
):
    bots, _organic = planted(conversation)
    [case] = coordinated.coordinated_voting_flag()
    before = conversation_analyse(conversation)
    assert before.participants == 28 and before.excluded_participants == 0

    coordinated.coordinated_case_exclude(case_id=case.pk, moderator=moderator)

    result = conversation_analyse(conversation)
    assert result.excluded_participants == 12 and result.excluded_votes == 12 * STATEMENTS
    assert result.participants == 16 and result.votes == 16 * STATEMENTS
    bot_numbers = set(
        ConversationParticipant.objects.filter(resident__in=bots).values_list("external_id", flat=True)
    )
    assert not bot_numbers & set(result.opinion_map["in_map"])
    assert AuditEvent.objects.filter(kind="coord_excl", actor=moderator).exists()

    coordinated.coordinated_case_undo(case_id=case.pk, moderator=moderator)

    again = conversation_analyse(conversation)
    assert again.excluded_participants == 0 and again.participants == 28
    assert CoordinatedVotingCase.objects.get(pk=case.pk).state == "open"


def test_the_report_says_how_many_votes_were_excluded(conversation, moderator, settings):
    planted(conversation)
    [case] = coordinated.coordinated_voting_flag()
    client = staff_client(moderator)
    response = client.post(f"/staff/moderation/coordinated/{case.pk}/", {"action": "exclude"})
    assert response.status_code == 302
    conversation_analyse(conversation)

    page = client.get(f"/conversations/{conversation.pk}/report/").content.decode()
    assert "96 votes from 12 accounts were excluded after review of coordinated voting." in page
    spanish = client.get(f"/conversations/{conversation.pk}/report/", headers={"accept-language": "es"})
    assert (
        "Se excluyeron 96 votos de 12 cuentas tras revisar una votación coordinada."
        in spanish.content.decode()
    )

    client.post(f"/staff/moderation/coordinated/{case.pk}/", {"action": "undo"})
    conversation_analyse(conversation)
    page = client.get(f"/conversations/{conversation.pk}/report/").content.decode()
    assert "coordinated voting" not in page
    assert AnalysisResult.objects.filter(conversation=conversation).count() == 2


# ------------------------------------------------------------------------------------------ questions


def support_all(ideas: list[Idea], person: Participant, network: str) -> None:
    viewer = viewer_for(user=None, participant_id=person.pk)
    for idea in ideas:
        idea_support(idea=idea, viewer=viewer, network_key=network)


def test_a_support_burst_of_identical_new_accounts_is_flagged_and_excluded_by_a_moderator(
    question: Question, author, moderator
):
    ideas = [post_idea(question, author, title=f"Idea {i}", body=f"Body {i}.") for i in range(4)]
    # 12 accounts made hours apart, but all supporting the same three ideas from one network.
    bloc = accounts(12, prefix="bloc", age=timedelta(days=2), step=timedelta(hours=3))
    for person in bloc:
        support_all(ideas[:3], person, "a" * 32)
    organic = accounts(6, prefix="org", age=timedelta(days=60), step=timedelta(days=1))
    for index, person in enumerate(organic):
        support_all([ideas[index % 4], ideas[(index + 1) % 4]], person, f"{index:032d}")

    [case] = coordinated.coordinated_voting_flag()

    assert case.kind == "question" and case.question == question and case.accounts == 12
    assert case.evidence["network"] == "aaaaaaaa" and case.evidence["network_share"] == 1.0
    assert case.evidence["common_items"] == 3 and case.votes == 36
    assert Idea.objects.get(pk=ideas[0].pk).supports_count == 12 + 3  # nothing automatic
    counted_before = supports_counted(question).count()
    key_before = _bridging_key(question)

    page = staff_client(moderator).get(f"/staff/moderation/coordinated/{case.pk}/").content.decode()
    assert "Idea 0" in page and "100% of them supported from one network (aaaaaaaa)" in page

    staff_client(moderator).post(f"/staff/moderation/coordinated/{case.pk}/", {"action": "exclude"})

    assert CoordinatedVotingCase.objects.get(pk=case.pk).state == "excluded"
    assert Idea.objects.get(pk=ideas[0].pk).supports_count == 3  # the organic supports
    assert supports_counted(question).count() == counted_before - 36
    assert _bridging_key(question) != key_before  # the cached bridging order is not reused
    question_bridging(Question.objects.get(pk=question.pk))  # the rank reads the counted supports

    coordinated.coordinated_case_undo(case_id=case.pk, moderator=moderator)

    assert Idea.objects.get(pk=ideas[0].pk).supports_count == 15
    assert supports_counted(question).count() == counted_before
    assert _bridging_key(question) == key_before


def test_single_supports_are_too_few_to_compare(question: Question, author):
    idea = post_idea(question, author)
    for person in accounts(8, prefix="one", age=timedelta(minutes=30), step=timedelta(minutes=1)):
        support_all([idea], person, "b" * 32)
    assert coordinated.coordinated_voting_flag() == []  # the support-burst check covers these


# ------------------------------------------------------------------------------------------ pages


def test_coordinated_pages_are_for_moderators_only(conversation, moderator, department_user):
    planted(conversation)
    [case] = coordinated.coordinated_voting_flag()
    urls = ["/staff/moderation/coordinated/", f"/staff/moderation/coordinated/{case.pk}/"]
    for url in urls:
        assert Client().get(url).status_code == 302  # to the login page
        assert staff_client(department_user).get(url).status_code == 403
        assert staff_client(moderator).get(url).status_code == 200
    response = staff_client(department_user).post(urls[1], {"action": "exclude"})
    assert response.status_code == 403
    assert staff_client(department_user).post(urls[0]).status_code == 403
    assert CoordinatedVotingCase.objects.get(pk=case.pk).state == "open"


def test_the_moderator_sees_the_evidence_in_words_and_a_second_click_changes_nothing(conversation, moderator):
    planted(conversation)
    client = staff_client(moderator)
    response = client.post("/staff/moderation/coordinated/", follow=True)
    assert "1 new case of coordinated voting." in response.content.decode()
    case = CoordinatedVotingCase.objects.get()
    assert "Coordinated voting (1)" in client.get("/staff/moderation/").content.decode()
    page = client.get(f"/staff/moderation/coordinated/{case.pk}/").content.decode()
    assert "12 accounts, each made at most 7 days before its first vote or support here" in page
    assert "at least 100%" in page and "Statement 0" in page
    client.post(f"/staff/moderation/coordinated/{case.pk}/", {"action": "exclude"})
    response = client.post(f"/staff/moderation/coordinated/{case.pk}/", {"action": "exclude"}, follow=True)
    assert "decided already" in response.content.decode()
    assert ConversationParticipant.objects.filter(excluded_at__isnull=False).count() == 12


def test_the_analysis_after_votes_looks_for_coordinated_voting_first(conversation):
    from civicloop.deliberation.services import conversation_analysis_request
    from civicloop.deliberation.tasks import conversation_analyse_due

    bots, _organic = planted(conversation)
    conversation_analysis_request(conversation.pk)

    assert conversation_analyse_due.call(conversation.pk) is True

    [case] = CoordinatedVotingCase.objects.all()
    assert case.conversation == conversation and case.accounts == len(bots) and case.state == "open"
    assert ConversationParticipant.objects.filter(excluded_at__isnull=False).count() == 0  # never automatic
