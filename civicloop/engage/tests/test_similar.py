"""Similar ideas: embeddings stored on post and edit, the selector, its endpoint, and the no-JavaScript check."""

import numpy as np
import pytest
from django.test import Client

from civicloop.engage.models import Idea, ModerationState, Space
from civicloop.engage.selectors import SIMILAR_IDEAS_SHOWN, similar_ideas, viewer_for
from civicloop.engage.services import idea_create, idea_edit
from civicloop.engage.tests.conftest import client_for, make_question, make_resident, make_space

pytestmark = pytest.mark.django_db

CITY_IDEAS = [
    ("More benches by the lake", "Older people need places to sit along the lakefront path."),
    ("Fix the potholes on 31st Street", "The road is dangerous for cyclists."),
    ("Free wifi in libraries", "Students need internet access after school."),
    ("Plant more trees on Western Avenue", "Shade and cleaner air for the neighbourhood."),
    ("Longer pool hours in summer", "The public pools close too early."),
]


def post_ideas(question, ideas=CITY_IDEAS):
    ana = make_resident()
    viewer = viewer_for(user=None, participant_id=ana.pk)
    return [idea_create(question=question, viewer=viewer, title=title, body=body) for title, body in ideas]


def similar_url(question, text):
    return f"{question.get_absolute_url()}similar/?text={text}"


def test_an_idea_stores_its_embedding_and_an_edit_replaces_it(question):
    idea = post_ideas(question, CITY_IDEAS[:1])[0]
    stored = np.frombuffer(bytes(Idea.objects.get(pk=idea.pk).embedding or b""), dtype=np.float16)
    author = viewer_for(user=None, participant_id=idea.author_id)

    idea_edit(idea=idea, viewer=author, title="Free wifi in parks", body="For everyone.")

    edited = np.frombuffer(bytes(Idea.objects.get(pk=idea.pk).embedding or b""), dtype=np.float16)
    assert stored.shape == edited.shape == (384,)
    assert abs(float(np.linalg.norm(stored.astype(np.float32))) - 1) < 0.01
    assert float(stored.astype(np.float32) @ edited.astype(np.float32)) < 0.95


def test_a_draft_finds_the_same_idea_in_another_language_and_not_unrelated_ones(question):
    benches, potholes, *_others = post_ideas(question)

    in_spanish = similar_ideas(question=question, title="Más bancos junto al lago para sentarse")
    about_bikes = similar_ideas(question=question, title="Arreglar los baches de la calle 31")
    unrelated = similar_ideas(question=question, title="A dog park", body="Somewhere for dogs to run.")

    assert in_spanish[0] == benches
    assert about_bikes[0] == potholes
    assert unrelated == []


def test_only_published_ideas_on_the_same_question_are_suggested(question):
    other_question = make_question(question.space, text="Where should bike lanes go?")
    benches = post_ideas(question, CITY_IDEAS[:1])[0]
    post_ideas(other_question, [("Benches along the lakefront", "For resting.")])
    Idea.objects.filter(pk=benches.pk).update(moderation_state=ModerationState.HIDDEN)

    assert similar_ideas(question=question, title="Benches along the lakefront") == []


def test_at_most_five_suggestions_best_first(question):
    post_ideas(question, [(f"Benches by the lake, number {n}", "Places to sit.") for n in range(7)])

    found = similar_ideas(question=question, title="Benches by the lake")

    assert len(found) == SIMILAR_IDEAS_SHOWN


def test_the_endpoint_returns_a_fragment_with_links_to_support_instead(question):
    benches = post_ideas(question, CITY_IDEAS[:1])[0]

    response = Client().get(similar_url(question, "Benches along the lakefront"))
    nothing = Client().get(similar_url(question, "Dog park"))
    too_short = Client().get(similar_url(question, "Bench"))

    html = response.content.decode()
    assert response.status_code == 200 and "Similar ideas: support one instead?" in html
    assert f'href="/ideas/{benches.pk}/"' in html
    assert nothing.content.decode().strip() == too_short.content.decode().strip() == ""


def test_the_endpoint_is_rate_limited_and_respects_private_spaces(question, monkeypatch):
    monkeypatch.setattr("civicloop.engage.views.posting.SIMILAR_CHECKS_PER_ADDRESS", 2)
    staff_question = make_question(make_space(visibility=Space.Visibility.STAFF, title="Staff"))
    client = Client()

    statuses = [client.get(similar_url(question, "Benches by the lake")).status_code for _n in range(3)]

    assert statuses == [200, 200, 429]
    assert Client().get(similar_url(staff_question, "Benches by the lake")).status_code == 403


def test_without_javascript_the_check_button_shows_similar_ideas_and_posts_nothing(question):
    post_ideas(question, CITY_IDEAS[:1])
    client = client_for(make_resident("ben@example.org", name="Ben"))
    new_url = f"{question.get_absolute_url()}new/"

    response = client.post(
        new_url, {"title": "Benches along the lakefront", "body": "", "action": "check-similar"}
    )
    nothing_similar = client.post(new_url, {"title": "A dog park", "body": "", "action": "check-similar"})

    html = response.content.decode()
    assert response.status_code == 200 and Idea.objects.count() == 1
    assert "More benches by the lake" in html and 'value="Benches along the lakefront"' in html
    assert "error-summary" not in html  # checking is not posting: no validation errors
    assert "No similar ideas yet" in nothing_similar.content.decode()


def test_a_failed_post_shows_similar_ideas_next_to_the_errors(question):
    post_ideas(question, CITY_IDEAS[:1])
    client = client_for(make_resident("ben@example.org", name="Ben"))

    response = client.post(f"{question.get_absolute_url()}new/", {"title": "Benches by the lake", "body": ""})

    html = response.content.decode()
    assert response.status_code == 400 and "Describe your idea." in html
    assert "More benches by the lake" in html


def test_ideas_posted_before_embeddings_existed_are_embedded_on_the_first_lookup(question):
    benches = post_ideas(question, CITY_IDEAS[:1])[0]
    Idea.objects.filter(pk=benches.pk).update(embedding=None)

    response = Client().get(similar_url(question, "Benches along the lakefront"))

    assert f'href="/ideas/{benches.pk}/"' in response.content.decode()
    assert Idea.objects.get(pk=benches.pk).embedding is not None
