"""Engage test helpers: a space with an open question, residents signed in by their magic link."""

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.delivery.models import Delivery
from civicloop.engage.models import Idea, Participant, Question, Space
from civicloop.engage.selectors import Viewer, viewer_for
from civicloop.engage.services import (
    QuestionInput,
    idea_create,
    participant_sign_in_confirm,
    participant_sign_in_request,
    question_create,
    space_create,
)
from civicloop.engage.tokens import sign_in_token
from civicloop.engage.views import SESSION_KEY
from civicloop.moderation.checks import CivilityVerdict

HOLD_WORD = "idiots"


class WordCivilityCheck:
    """A stand-in for the embedding model (set through MODERATION_CHECK): holds posts with one word."""

    def check_many(self, texts: Sequence[str]) -> list[CivilityVerdict]:
        return [
            CivilityVerdict(held=True, reasons=["uncivil"], score=0.9)
            if HOLD_WORD in text.lower()
            else CivilityVerdict(held=False, reasons=[], score=0.05)
            for text in texts
        ]


@pytest.fixture(autouse=True)
def _engage_defaults(settings: Any) -> Iterator[None]:
    settings.MODERATION_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
    settings.SITE_URL = "https://city.example.org"
    cache.clear()  # rate limits live in the cache
    yield
    cache.clear()


@pytest.fixture
def staff_member(db: Any) -> User:
    return User.objects.create_user(
        username="parks.officer",
        password="x",
        role=Role.DEPARTMENT,
        department="Chicago Park District",
        first_name="Pat",
        last_name="Officer",
    )


def make_space(visibility: str = Space.Visibility.PUBLIC, title: str = "Parks") -> Space:
    return space_create(title=title, visibility=visibility, actor=None)


def make_question(
    space: Space, *, text: str = "How should we improve our parks?", **overrides: Any
) -> Question:
    now = timezone.now()
    data = QuestionInput(
        text=text,
        opens_at=overrides.pop("opens_at", now - timedelta(days=1)),
        closes_at=overrides.pop("closes_at", now + timedelta(days=30)),
        department=overrides.pop("department", "Chicago Park District"),
        **overrides,
    )
    return question_create(space=space, data=data, actor=None)


@pytest.fixture
def question(db: Any) -> Question:
    return make_question(make_space())


def sign_in_link_of(participant: Participant) -> str:
    """The link the magic-link message carries (read from the outbox, as the resident would)."""
    delivery = Delivery.objects.filter(contact_point_id=participant.contact_point_id).order_by("-id").first()
    assert delivery is not None and delivery.message.template == "idea_sign_in"
    return str(delivery.message.context["link"])


def make_resident(
    contact: str = "ana@example.org",
    *,
    name: str = "Ana",
    language: str = "en",
    age: timedelta = timedelta(days=30),
) -> Participant:
    """A confirmed resident, signed up `age` ago (older than a day: past the new-account limit)."""
    participant = participant_sign_in_request(
        contact=contact, display_name=name, language=language, now=timezone.now() - age
    )
    # The link itself is sent after commit; test_sign_in covers that path through the outbox.
    token = sign_in_token(participant_id=participant.pk, token_version=participant.token_version)
    return participant_sign_in_confirm(token=token)


def client_for(participant: Participant) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    return client


def as_viewer(participant: Participant) -> Viewer:
    return viewer_for(user=None, participant_id=participant.pk)


def post(
    question: Question,
    participant: Participant,
    title: str = "More shade trees",
    body: str = "Plant trees along the path.",
    **kwargs: Any,
) -> Idea:
    return idea_create(question=question, viewer=as_viewer(participant), title=title, body=body, **kwargs)
