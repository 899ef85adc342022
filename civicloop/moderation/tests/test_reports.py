"""Residents' reports (services/reports.py): enough distinct people hide a post; own posts, unknown
reasons and too many reports are refused; a threat report is urgent."""

import pytest
from django.core.cache import cache

from civicloop.engage.models import ModerationState
from civicloop.engage.tests.conftest import make_resident
from civicloop.moderation import services
from civicloop.moderation.models import AuditEvent, ModerationCase, Report
from civicloop.moderation.tests.conftest import post_idea, residents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def test_reports_from_n_distinct_people_hide_the_post_fewer_do_not(question, author):
    idea = post_idea(question, author)
    first, second, third = residents(3)
    services.report_create(reporter=first, content=idea, reason="spam")
    services.report_create(reporter=second, content=idea, reason="off_topic", note="Not about parks")
    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.PUBLISHED
    case = ModerationCase.objects.get()
    assert (case.source, case.reports_count, case.reasons) == ("report", 2, ["off_topic", "spam"])
    with pytest.raises(services.ModerationRefused):  # the same person again counts for nothing
        services.report_create(reporter=first, content=idea, reason="spam")
    services.report_create(reporter=third, content=idea, reason="spam")
    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.HIDDEN
    assert ModerationCase.objects.get().reports_count == 3 and Report.objects.count() == 3
    assert AuditEvent.objects.filter(kind="hidden").count() == 1


def test_the_number_of_reports_that_hides_is_a_setting(question, author, settings):
    settings.MODERATION_REPORTS_TO_HIDE = 1
    idea = post_idea(question, author)
    services.report_create(reporter=residents(1)[0], content=idea, reason="uncivil")
    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.HIDDEN


def test_own_posts_and_bad_reasons_cannot_be_reported_and_a_threat_report_is_urgent(question, author):
    idea = post_idea(question, author)
    with pytest.raises(services.ModerationRefused):
        services.report_create(reporter=author, content=idea, reason="spam")
    reporter = residents(1)[0]
    with pytest.raises(services.ModerationInvalid):
        services.report_create(reporter=reporter, content=idea, reason="boring")
    assert not ModerationCase.objects.exists()
    services.report_create(reporter=reporter, content=idea, reason="threat")
    assert ModerationCase.objects.get().urgent


def test_reports_per_person_are_rate_limited(question, author):
    reporter = residents(1)[0]
    ideas = [post_idea(question, make_resident(f"a{i}@example.org"), title=f"Idea {i}") for i in range(3)]
    cache.clear()
    for idea in ideas:
        services.report_create(reporter=reporter, content=idea, reason="spam")
    # The limit is read in services.reports (where report_create looks it up), not the package.
    services.reports.REPORTS_PER_PERSON, limit = 3, services.reports.REPORTS_PER_PERSON
    try:
        extra = post_idea(question, make_resident("b@example.org"), title="Another")
        with pytest.raises(services.ReportLimitReached):
            services.report_create(reporter=reporter, content=extra, reason="spam")
    finally:
        services.reports.REPORTS_PER_PERSON = limit
    assert Report.objects.count() == 3
