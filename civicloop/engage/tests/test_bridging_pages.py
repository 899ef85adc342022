"""The question page's "Bridging" order: wired to engage.bridging, cached, and in constant queries."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.engage import bridging, selectors
from civicloop.engage.models import Idea, ModerationState, Participant, Question, Support
from civicloop.engage.tests.conftest import client_for, make_resident

pytestmark = pytest.mark.django_db

EXPLANATION = "Ideas supported by people who usually back different ideas come first"


def people(count: int, prefix: str) -> list[Participant]:
    now = timezone.now()
    users = User.objects.bulk_create([User(username=f"{prefix}{n}") for n in range(count)])
    return Participant.objects.bulk_create(
        [Participant(user=user, display_name=f"{prefix} {n}", created_at=now) for n, user in enumerate(users)]
    )


def idea(question: Question, title: str, author: Participant, *, age: timedelta = timedelta(days=2)) -> Idea:
    return Idea.objects.create(
        question=question, author=author, title=title, body="…", created_at=timezone.now() - age
    )


def support(pairs: list[tuple[Participant, Idea]]) -> None:
    now = timezone.now()
    Support.objects.bulk_create([Support(idea=i, participant=p, created_at=now) for p, i in pairs])
    for one in {i.pk: i for _, i in pairs}.values():
        one.supports_count = Support.objects.filter(idea=one).count()
        one.save(update_fields=["supports_count"])


def two_blocs(question: Question, *, bloc_a: int = 70, bloc_b: int = 30) -> dict[str, Idea]:
    """Bloc A backs X, bloc B backs Y, and 2 in 3 of everyone back Z; fillers get a few supports."""
    a, b = people(bloc_a, "a"), people(bloc_b, "b")
    everyone = a + b
    ideas = {name: idea(question, name, everyone[0]) for name in ("X", "Y", "Z", "W", "V")}
    pairs = [(p, ideas["X"]) for p in a] + [(p, ideas["Y"]) for p in b]
    pairs += [(p, ideas["Z"]) for n, p in enumerate(everyone) if n % 3 != 0]
    pairs += [(p, ideas["W" if n % 2 else "V"]) for n, p in enumerate(everyone) if n % 7 == 0]
    support(pairs)
    return ideas


def titles(response) -> list[str]:
    html = response.content.decode()
    return [
        line.split(">", 2)[2].split("<", 1)[0]
        for line in html.splitlines()
        if line.strip().startswith('<h3><a href="/ideas/')
    ]


def test_bridging_ranks_what_everyone_supports_above_the_biggest_blocs_idea(question):
    two_blocs(question)
    counts = dict(Idea.objects.values_list("title", "supports_count"))
    assert counts["X"] == max(counts.values()) > counts["Z"]

    response = Client().get(question.get_absolute_url() + "?sort=bridging")

    order = titles(response)
    assert order[0] == "Z"
    assert order.index("Z") < order.index("X")
    assert EXPLANATION in response.content.decode()
    assert 'href="?sort=bridging#ideas" aria-current="true"' in response.content.decode()


def test_bridging_becomes_the_default_once_there_are_enough_supporters_and_two_sides(question):
    two_blocs(question)

    response = Client().get(question.get_absolute_url())

    assert titles(response)[0] == "Z"
    assert EXPLANATION in response.content.decode()


def test_a_question_without_enough_supporters_keeps_the_fair_rotation(question):
    # Given two blocs, but 40 people in all: fewer than bridging needs
    two_blocs(question, bloc_a=28, bloc_b=12)
    assert bridging.MIN_SUPPORTERS > 40

    response = Client().get(question.get_absolute_url())

    assert EXPLANATION not in response.content.decode()
    assert "Ideas take turns at the top" in response.content.decode()


def test_a_crowd_without_sides_keeps_the_fair_rotation_by_default_but_can_choose_bridging(question):
    crowd = people(80, "c")
    ideas = [idea(question, f"Idea {n}", crowd[0]) for n in range(4)]
    # Idea n is supported by everyone whose number is divisible by n + 1: nested, never opposed.
    support([(p, i) for n, i in enumerate(ideas) for k, p in enumerate(crowd) if k % (n + 1) == 0])

    default = Client().get(question.get_absolute_url())
    chosen = Client().get(question.get_absolute_url() + "?sort=bridging")

    assert EXPLANATION not in default.content.decode()
    assert titles(chosen) == ["Idea 0", "Idea 1", "Idea 2", "Idea 3"]


# Bridging page: question, session, participant, cache key, (new key:) ideas, supports, last supports,
# the viewer's held ideas, the page's ideas, one UPDATE of views, the viewer's supports.
BRIDGING_PAGE_QUERIES = 11


def test_the_bridging_page_takes_the_same_queries_for_few_or_many_ideas_and_supports(
    question, django_assert_num_queries
):
    client = client_for(make_resident("ben@example.org", name="Ben"))
    crowd = people(10, "s")
    few = [idea(question, f"Idea {n}", crowd[0]) for n in range(2)]
    support([(crowd[1], few[0])])
    with django_assert_num_queries(BRIDGING_PAGE_QUERIES):
        client.get(question.get_absolute_url() + "?sort=bridging")
    two_blocs(question)
    many = [idea(question, f"More {n}", crowd[n % 10]) for n in range(20)]
    support([(p, i) for i in many for p in crowd[: 1 + many.index(i) % 5]])

    with django_assert_num_queries(BRIDGING_PAGE_QUERIES):
        response = client.get(question.get_absolute_url() + "?sort=bridging")

    assert response.content.decode().count('<li class="card">') == 20  # one page of 27


def test_the_order_is_cached_until_a_support_changes_it(question, django_assert_num_queries):
    ideas = two_blocs(question)
    url = question.get_absolute_url() + "?sort=bridging"
    Client().get(url)

    # An unchanged question, read by someone signed out: question, cache key, the page, views' UPDATE
    with django_assert_num_queries(4):
        Client().get(url)
    # A withdrawn support changes the key, so the order is made again (ideas, supports, last supports)
    withdrawn = Support.objects.filter(idea=ideas["Z"]).first()
    assert withdrawn is not None
    withdrawn.delete()
    Idea.objects.filter(pk=ideas["Z"].pk).update(supports_count=ideas["Z"].supports.count())
    with django_assert_num_queries(4 + 3):
        Client().get(url)


def test_the_author_sees_a_held_idea_after_the_ranked_ones_and_others_do_not(question):
    two_blocs(question)
    author = make_resident()
    held = idea(question, "Held one", author)
    Idea.objects.filter(pk=held.pk).update(moderation_state=ModerationState.HELD)

    mine = titles(client_for(author).get(question.get_absolute_url() + "?sort=bridging"))
    theirs = titles(Client().get(question.get_absolute_url() + "?sort=bridging"))

    assert mine[-1] == "Held one"
    assert "Held one" not in theirs


def test_a_hidden_idea_leaves_the_bridging_order(question):
    ideas = two_blocs(question)
    Idea.objects.filter(pk=ideas["Z"].pk).update(moderation_state=ModerationState.HIDDEN)

    order = selectors.question_bridging(Question.objects.get(pk=question.pk)).idea_ids

    assert ideas["Z"].pk not in order and ideas["X"].pk in order


def test_the_explanation_is_in_spanish_for_a_spanish_reader(question):
    two_blocs(question)

    response = Client(HTTP_ACCEPT_LANGUAGE="es").get(question.get_absolute_url() + "?sort=bridging")

    html = response.content.decode()
    assert "Primero van las ideas que apoyan personas que suelen respaldar ideas distintas" in html
    assert "Puntos en común" in html
