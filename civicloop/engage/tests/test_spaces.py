"""Spaces (services.spaces): who may post in staff-only and invite-only spaces, web addresses."""

import pytest

from civicloop.engage.models import Idea, Space
from civicloop.engage.services import EngageInvalid, EngageRefused, space_create, space_invitees_add
from civicloop.engage.tests.conftest import make_question, make_resident, make_space, post

pytestmark = pytest.mark.django_db


def test_staff_only_and_invite_only_spaces_refuse_outsiders_and_admit_the_invited():
    ana, ben = make_resident(), make_resident("+1 312 555 0199", name="Ben")
    staff_question = make_question(make_space(Space.Visibility.STAFF, title="Staff ideas"))
    invited = make_space(Space.Visibility.INVITE, title="Youth council")
    invite_question = make_question(invited)
    space_invitees_add(space=invited, contacts=["(312) 555-0199"])

    with pytest.raises(EngageRefused):
        post(staff_question, ana)
    with pytest.raises(EngageRefused):
        post(invite_question, ana)
    idea = post(invite_question, ben)

    assert list(Idea.objects.all()) == [idea]


def test_a_space_slug_never_takes_a_number_or_a_reserved_word():
    for slug in ("2026", "sign-in"):
        with pytest.raises(EngageInvalid):
            space_create(title="Anything", slug=slug, visibility="public", actor=None)
