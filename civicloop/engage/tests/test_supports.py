"""Supports (services.supports): one per person and idea."""

import pytest

from civicloop.engage.models import Support
from civicloop.engage.services import idea_support
from civicloop.engage.tests.conftest import as_viewer, make_resident, post

pytestmark = pytest.mark.django_db


def test_supporting_twice_counts_once(question):
    ana, ben = make_resident(), make_resident("ben@example.org", name="Ben")
    idea = post(question, ana)

    first = idea_support(idea=idea, viewer=as_viewer(ben))
    second = idea_support(idea=idea, viewer=as_viewer(ben))

    idea.refresh_from_db()
    assert (first, second, idea.supports_count, Support.objects.count()) == (True, False, 1, 1)
