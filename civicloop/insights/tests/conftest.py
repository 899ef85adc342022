"""A small city: two areas, a handful of residents, ideas, supports, 311 requests and official replies."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.engage.models import Comment, Idea, IdeaStatusChange, Participant, Question, Space, Support
from civicloop.insights.services import month_start
from civicloop.places.models import CommunityArea
from civicloop.servicerequests.models import Follower, Service, ServiceRequest
from civicloop.subscriptions.models import ContactPoint
from civicloop.subscriptions.tests.factories import ContactPointFactory

K = 3


def square(lon: float, lat: float) -> dict[str, Any]:
    size = 0.02
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class City:
    north: CommunityArea
    south: CommunityArea
    service: Service
    base: datetime
    ideas: list[Idea]


def resident(name: str) -> Participant:
    contact: ContactPoint = ContactPointFactory.create(value=f"{name}@example.org")
    return Participant.objects.create(
        contact_point=contact, display_name=name, confirmed_at=timezone.now(), created_at=timezone.now()
    )


def make_request(
    service: Service, area: CommunityArea, *, at: datetime, hours: float | None, number: int, **fields: Any
) -> ServiceRequest:
    closed = at + timedelta(hours=hours) if hours is not None else None
    return ServiceRequest.objects.create(
        public_id=f"26-{number:08d}",
        token=f"token-{number}",
        service=service,
        address="121 N LaSalle St",
        community_area=area,
        requested_at=at,
        updated_at=closed or at,
        closed_at=closed,
        status=ServiceRequest.Status.CLOSED if closed else ServiceRequest.Status.OPEN,
        detailed_status=fields.pop("detailed_status", "completed" if closed else "submitted"),
        **fields,
    )


@pytest.fixture
def city(db: Any, settings: Any) -> City:
    """North (1,000 people): three idea authors and an anonymous 311 requester, four people; one author
    also files a request and comments (still one person). South (3,000 people): two supporters and a
    member of staff who supports (not counted): two people, under k = 3."""
    settings.OPENDATA_MIN_CELL = K
    north = CommunityArea.objects.create(
        number=1, name="North Side", slug="north-side", population_2020=1000, boundary=square(-87.7, 41.95)
    )
    south = CommunityArea.objects.create(
        number=2, name="South Side", slug="south-side", population_2020=3000, boundary=square(-87.7, 41.75)
    )
    base = month_start(timezone.now(), 0) + timedelta(days=1, hours=1)
    space = Space.objects.create(slug="parks", title="Parks", created_at=base)
    question = Question.objects.create(
        space=space,
        slug="parks",
        text="How should we improve our parks?",
        opens_at=base - timedelta(days=1),
        closes_at=base + timedelta(days=400),
        department="Chicago Park District",
        created_at=base,
    )
    question.community_areas.add(north)
    authors = [resident(f"author{n}") for n in range(3)]
    ideas = [
        Idea.objects.create(
            question=question,
            author=author,
            title=f"Idea {n}",
            body="More trees",
            community_area=north,
            created_at=base,
        )
        for n, author in enumerate(authors)
    ]
    # A second idea by the first author, also in the north: still one person.
    south_idea = Idea.objects.create(
        question=question,
        author=authors[0],
        title="Benches",
        body="Benches",
        community_area=north,
        created_at=base,
    )
    for idea in [*ideas, south_idea]:
        IdeaStatusChange.objects.create(idea=idea, status=idea.status, department="Parks", created_at=base)
    Comment.objects.create(idea=ideas[1], author=authors[0], body="Yes", created_at=base)
    supporters = [resident(f"supporter{n}") for n in range(2)]
    south_question_idea = Idea.objects.create(
        question=question,
        author=authors[1],
        title="Southern idea",
        body="Pool",
        community_area=None,
        created_at=base,
    )
    for supporter in supporters:
        Support.objects.create(idea=south_question_idea, participant=supporter, created_at=base)
    officer = User.objects.create_user(username="officer", password="x", role=Role.DEPARTMENT)
    staff_participant = Participant.objects.create(
        user=officer, display_name="Officer", created_at=base, confirmed_at=base
    )
    Support.objects.create(idea=south_question_idea, participant=staff_participant, created_at=base)
    # Supporters of an idea without an area: their area is their profile's.
    for supporter in supporters:
        user = User.objects.create_user(username=supporter.display_name, password="x", community_area=south)
        supporter.user = user
        supporter.save()

    # Official answers: idea 0 a comment after 2 days, idea 1 a status change after 1 day.
    Comment.objects.create(
        idea=ideas[0],
        author=staff_participant,
        body="Planned",
        is_official=True,
        department="Parks",
        created_at=base + timedelta(days=2),
    )
    IdeaStatusChange.objects.create(
        idea=ideas[1],
        status=Idea.Status.ACCEPTED,
        department="Parks",
        actor=officer,
        created_at=base + timedelta(days=1),
    )

    service = Service.objects.create(
        code="4ffa4c69601827691b000018",
        name="Pothole in Street",
        name_es="Bache",
        department="CDOT",
        sla_hours=24,
    )
    # Closed in 1, 2, 3 and 30 hours (a duplicate closed in 100 hours does not count).
    for number, hours in enumerate([1, 2, 3, 30]):
        make_request(service, north, at=base, hours=hours, number=number)
    make_request(service, north, at=base, hours=100, number=10, detailed_status="duplicate")
    make_request(service, north, at=base, hours=None, number=11)
    # An author files a request: the same person as their light account.
    known = make_request(service, north, at=base, hours=None, number=12)
    assert authors[2].contact_point is not None
    Follower.objects.create(
        request=known, contact_point=authors[2].contact_point, is_requester=True, created_at=base
    )
    return City(north=north, south=south, service=service, base=base, ideas=ideas)
