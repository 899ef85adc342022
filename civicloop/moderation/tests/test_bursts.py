"""Burst cases (services/bursts.py) as engage's support-burst look opens them: supports from new
accounts or from one network, flagged once with their evidence and never the network address."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.engage import services as engage_services
from civicloop.engage.models import Support
from civicloop.engage.tests.conftest import make_resident
from civicloop.moderation import services
from civicloop.moderation.models import ModerationCase
from civicloop.moderation.services import DecisionInput
from civicloop.moderation.tests.conftest import post_idea

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def test_a_burst_of_supports_from_new_accounts_is_flagged_once_with_evidence(question, author, settings):
    settings.MODERATION_BURST_SUPPORTS = 4
    idea = post_idea(question, author)
    now = timezone.now()
    newcomers = [make_resident(f"n{i}@example.org", age=timedelta(minutes=30)) for i in range(4)]
    veteran = make_resident("old@example.org")
    for person in [*newcomers, veteran]:
        Support.objects.create(idea=idea, participant=person, created_at=now - timedelta(minutes=5))
    opened = engage_services.support_bursts_flag(now=now)
    assert len(opened) == 1
    case = opened[0]
    assert case.source == "burst" and case.evidence["supports_from_new_accounts"] == 4
    assert sorted(case.evidence["participant_ids"]) == sorted(p.pk for p in newcomers)
    assert engage_services.support_bursts_flag(now=now) == []  # flagged once
    assert ModerationCase.objects.count() == 1


def test_a_decided_burst_is_not_flagged_again_but_a_new_one_is(question, author, moderator, settings):
    settings.MODERATION_BURST_SUPPORTS = 3
    idea = post_idea(question, author)
    now = timezone.now()
    first = [make_resident(f"n{i}@example.org", age=timedelta(minutes=30)) for i in range(3)]
    for person in first:
        Support.objects.create(idea=idea, participant=person, created_at=now - timedelta(minutes=10))
    [case] = engage_services.support_bursts_flag(now=now)
    services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )

    assert engage_services.support_bursts_flag(now=now + timedelta(minutes=1)) == []  # same supports, decided

    later = [make_resident(f"m{i}@example.org", age=timedelta(minutes=30)) for i in range(3)]
    for person in later:
        Support.objects.create(idea=idea, participant=person, created_at=now + timedelta(minutes=2))
    [again] = engage_services.support_bursts_flag(now=now + timedelta(minutes=3))
    assert sorted(again.evidence["participant_ids"]) == sorted(p.pk for p in later)


def test_a_few_new_supporters_are_not_a_burst(question, author, settings):
    settings.MODERATION_BURST_SUPPORTS = 4
    idea = post_idea(question, author)
    for i in range(3):
        person = make_resident(f"n{i}@example.org", age=timedelta(minutes=30))
        Support.objects.create(idea=idea, participant=person, created_at=timezone.now())
    assert engage_services.support_bursts_flag() == []


def _support_from(idea, people, network_key, minutes_ago=5):
    for person in people:
        Support.objects.create(
            idea=idea,
            participant=person,
            network_key=network_key,
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
        )


def test_a_burst_of_supports_from_one_network_is_flagged_with_a_tag_never_the_address(
    question, author, settings
):
    settings.MODERATION_BURST_SAME_NETWORK = 3
    idea = post_idea(question, author)
    quiet = post_idea(question, author, title="Quiet idea")
    established = [make_resident(f"e{i}@example.org") for i in range(5)]  # older than the question
    _support_from(idea, established[:3], "a" * 32)
    _support_from(idea, established[3:], "b" * 32)  # another network, too few
    _support_from(quiet, established[:2], "c" * 32)

    opened = engage_services.support_bursts_flag()

    assert [case.idea_id for case in opened] == [idea.pk]
    case = opened[0]
    assert case.source == "burst" and case.reasons == ["burst_network"]
    [burst] = case.evidence["network_bursts"]
    assert burst["network"] == "aaaaaaaa" and burst["supports"] == 3
    assert sorted(burst["participant_ids"]) == sorted(person.pk for person in established[:3])
    assert "supports_from_new_accounts" not in case.evidence
    assert engage_services.support_bursts_flag() == []  # flagged once


def test_supports_from_one_network_outside_the_window_are_not_a_burst(question, author, settings):
    settings.MODERATION_BURST_SAME_NETWORK = 3
    idea = post_idea(question, author)
    _support_from(idea, [make_resident(f"e{i}@example.org") for i in range(3)], "a" * 32, minutes_ago=90)

    assert engage_services.support_bursts_flag() == []


def test_new_accounts_on_one_network_make_one_case_with_both_reasons(question, author, settings):
    settings.MODERATION_BURST_SUPPORTS = 3
    settings.MODERATION_BURST_SAME_NETWORK = 3
    idea = post_idea(question, author)
    newcomers = [make_resident(f"n{i}@example.org", age=timedelta(minutes=30)) for i in range(3)]
    _support_from(idea, newcomers, "d" * 32)

    [case] = engage_services.support_bursts_flag()

    assert case.reasons == ["burst", "burst_network"]
    assert case.evidence["supports_from_new_accounts"] == 3
    assert case.evidence["network_bursts"][0]["supports"] == 3
