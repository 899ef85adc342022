"""Moderation test helpers: a word-based stand-in for the check, residents, a moderator, an admin.

Nothing here is autouse: the check's own tests (test_checks.py) run against the real model.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.core.cache import cache

from civicloop.accounts.models import Role, User
from civicloop.engage.models import Comment, Idea, Participant, Question
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import comment_create, idea_create
from civicloop.engage.tests.conftest import make_question, make_resident, make_space
from civicloop.moderation.checks import CivilityVerdict

RUDE = "idiots"
THREAT = "i will hurt you"


class RudeWordCheck:
    """Holds posts with a rude word (uncivil) or a threat phrase (urgent); set through MODERATION_CHECK."""

    def check_many(self, texts: Sequence[str]) -> list[CivilityVerdict]:
        verdicts = []
        for text in texts:
            lowered = text.lower()
            if THREAT in lowered:
                verdicts.append(CivilityVerdict(held=True, reasons=["threat"], score=1.0, urgent=True))
            elif RUDE in lowered or "idiotas" in lowered:
                verdicts.append(CivilityVerdict(held=True, reasons=["uncivil"], score=0.91))
            else:
                verdicts.append(CivilityVerdict(held=False, reasons=[], score=0.04))
        return verdicts


@pytest.fixture
def moderation_defaults(settings: Any) -> Iterator[None]:
    settings.MODERATION_CHECK = "civicloop.moderation.tests.conftest.RudeWordCheck"
    settings.SITE_URL = "https://city.example.org"
    settings.MODERATION_REPORTS_TO_HIDE = 3
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def question(db: Any) -> Question:
    return make_question(make_space())


@pytest.fixture
def author(db: Any) -> Participant:
    return make_resident("ana@example.org", name="Ana")


@pytest.fixture
def moderator(db: Any) -> User:
    return User.objects.create_user(username="mo", password="x", role=Role.MODERATOR, first_name="Mo")


@pytest.fixture
def other_moderator(db: Any) -> User:
    return User.objects.create_user(username="max", password="x", role=Role.MODERATOR)


@pytest.fixture
def admin_user(db: Any) -> User:
    return User.objects.create_user(username="root", password="x", role=Role.ADMIN)


@pytest.fixture
def department_user(db: Any) -> User:
    return User.objects.create_user(username="dept", password="x", role=Role.DEPARTMENT)


def post_idea(
    question: Question, author: Participant, *, title: str = "More benches", body: str = "By the lake."
) -> Idea:
    return idea_create(
        question=question, viewer=viewer_for(user=None, participant_id=author.pk), title=title, body=body
    )


def held_idea(question: Question, author: Participant) -> Idea:
    return post_idea(question, author, title="Councillors", body="They are idiots, all of them.")


def post_comment(idea: Idea, author: Participant, body: str) -> Comment:
    return comment_create(idea=idea, viewer=viewer_for(user=None, participant_id=author.pk), body=body)


def residents(count: int, *, prefix: str = "r") -> list[Participant]:
    return [make_resident(f"{prefix}{index}@example.org", name=f"R{index}") for index in range(count)]
