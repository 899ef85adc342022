"""A resident who has done a bit of everything: subscribed, filed a 311 request, posted an idea and a
comment, texted the city and then texted STOP; and a neighbour who must be left alone."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache

from civicloop.accounts.models import Role, User
from civicloop.announcements.tests.factories import make_topic
from civicloop.assistant.services.inbound import inbound_sms_handle
from civicloop.engage.models import Comment, Idea, Participant
from civicloop.engage.selectors import Viewer
from civicloop.engage.services import comment_create, idea_create, idea_support
from civicloop.engage.tests.conftest import make_question, make_resident, make_space
from civicloop.records.tests.helpers import make_service
from civicloop.servicerequests.models import ServiceRequest
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.subscriptions.services import subscription_request

EMAIL = "ana.lopez@example.org"
PHONE = "+13125550123"
NAME = "Ana Lopez"


@dataclass
class Resident:
    participant: Participant
    idea: Idea
    comment: Comment
    request: ServiceRequest
    account: User


@pytest.fixture(autouse=True)
def _records_defaults(settings: Any) -> Iterator[None]:
    settings.MODERATION_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
    settings.SITE_URL = "https://city.example.org"
    cache.clear()  # rate limits live in the cache
    yield
    cache.clear()


def _someone(email: str, phone: str, name: str, *, sid_prefix: str) -> Resident:
    subscription_request(
        email=email.upper(),  # as typed: the records find it lowercased
        phone=phone,
        topics=[make_topic()],
        areas=[],
        all_areas=True,
        language="es",
        frequency="daily",
    )
    request = service_request_create(
        data=RequestInput(
            service_code=make_service().code,
            address="2400 W Cermak Rd",
            description=f"Rats in the alley behind {name.split()[0]}'s garage",
            email=email,
            phone=phone,
            first_name=name.split()[0],
            last_name=name.split()[1],
        )
    )
    participant = make_resident(email, name=name)
    question = make_question(make_space(title=f"Parks for {name}"))
    idea = idea_create(
        question=question,
        viewer=Viewer(participant=participant),
        title=f"Water fountains in the park, says {name.split()[0]}",
        body="Summer is hot and the fountains are broken.",
    )
    comment = comment_create(
        idea=idea, viewer=Viewer(participant=participant), body="Also some shade, please."
    )
    idea_support(idea=idea, viewer=Viewer(participant=participant), network_key="abc123")
    inbound_sms_handle(message_sid=f"{sid_prefix}1", from_number=phone, body="HELP")
    inbound_sms_handle(message_sid=f"{sid_prefix}2", from_number=phone, body="STOP")
    account = User.objects.create_user(
        username=name.split()[0].lower(),
        email=email.title(),
        password="x",
        first_name=name.split()[0],
        last_name=name.split()[1],
    )
    return Resident(participant=participant, idea=idea, comment=comment, request=request, account=account)


@pytest.fixture
def resident(db: Any) -> Resident:
    return _someone(EMAIL, PHONE, NAME, sid_prefix="SMana")


@pytest.fixture
def neighbour(db: Any) -> Resident:
    return _someone("ben.okafor@example.org", "+13125550999", "Ben Okafor", sid_prefix="SMben")


@pytest.fixture
def admin_user(db: Any) -> User:
    return User.objects.create_user(username="records.admin", password="x", role=Role.ADMIN)
