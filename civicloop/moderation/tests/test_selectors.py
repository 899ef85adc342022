"""Moderation reads (selectors.py) against the database: the export of removed content for
public-records requests."""

import pytest

from civicloop.moderation import selectors, services
from civicloop.moderation.models import ModerationCase
from civicloop.moderation.services import DecisionInput
from civicloop.moderation.tests.conftest import post_idea

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def test_the_export_keeps_removed_content_with_decisions_and_masks_contact_details(
    question, author, moderator
):
    post_idea(question, author, title="Mail ana@example.org", body="or call 312-555-0143, idiots")
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk,
        stage="first",
        data=DecisionInput(action="reject", reason="personal_data"),
        moderator=moderator,
    )
    rows = list(selectors.removed_content_rows())
    assert len(rows) == 1
    flat = " ".join(str(value) for value in rows[0])
    assert "ana@example.org" not in flat and "312-555-0143" not in flat and "555-0143" not in flat
    assert (
        rows[0][0] == "idea" and rows[0][6] == "removed" and rows[0][11:14] == ["reject", "personal_data", ""]
    )
    assert rows[0][14] == "mo"
