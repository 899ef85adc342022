"""Moderation services against the database: cases, reports, decisions, appeals, bursts, the export."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicloop.delivery.models import Delivery
from civicloop.engage import services as engage_services
from civicloop.engage.models import CommentRevision, Idea, IdeaRevision, ModerationState, Support
from civicloop.engage.selectors import viewer_for
from civicloop.engage.services import idea_edit
from civicloop.engage.tests.conftest import make_resident
from civicloop.moderation import selectors, services
from civicloop.moderation.models import Appeal, AuditEvent, Decision, ModerationCase, Report
from civicloop.moderation.services import DecisionInput
from civicloop.moderation.tests.conftest import post_comment, post_idea, residents

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderation_defaults")]


def held_idea(question, author):  # type: ignore[no-untyped-def]
    return post_idea(question, author, title="Councillors", body="They are idiots, all of them.")


def test_a_held_idea_opens_a_case_with_the_checks_reason_and_score(question, author):
    idea = held_idea(question, author)
    assert idea.moderation_state == ModerationState.HELD
    case = ModerationCase.objects.get()
    assert (case.idea_id, case.comment_id, case.source, case.state) == (idea.pk, None, "check", "open")
    assert case.reasons == ["uncivil"] and case.score == pytest.approx(0.91) and not case.urgent
    assert AuditEvent.objects.filter(case=case, kind="opened").count() == 1


def test_a_clean_post_opens_no_case_and_a_threat_goes_to_the_urgent_queue(question, author):
    idea = post_idea(question, author)
    assert idea.moderation_state == ModerationState.PUBLISHED and not ModerationCase.objects.exists()
    post_comment(idea, author, "I know where you live and I will hurt you")
    case = ModerationCase.objects.get()
    assert case.comment_id is not None and case.urgent and case.reasons == ["threat"]
    assert list(selectors.queue_cases("urgent")) == [case]


def test_the_authors_edit_that_passes_the_check_closes_the_checks_case(question, author):
    idea = held_idea(question, author)
    idea_edit(
        idea=idea, viewer=viewer_for(user=None, participant_id=author.pk), title="Councillors", body="Fine."
    )
    case = ModerationCase.objects.get()
    assert case.state == "closed"
    assert Idea.objects.get().moderation_state == ModerationState.PUBLISHED
    assert list(selectors.queue_cases()) == []


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


def test_approving_publishes_logs_the_text_and_verdict_and_tells_the_author(question, author, moderator):
    idea = held_idea(question, author)
    case = ModerationCase.objects.get()
    decision = services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )
    idea.refresh_from_db()
    case.refresh_from_db()
    assert idea.moderation_state == ModerationState.PUBLISHED and case.state == "decided"
    assert decision.text_before == "They are idiots, all of them." and decision.title_before == "Councillors"
    assert decision.check_verdict == {"held": True, "reasons": ["uncivil"], "score": 0.91}
    assert (decision.state_before, decision.state_after, decision.reason) == ("held", "published", "")
    assert AuditEvent.objects.filter(case=case, kind="decided", actor=moderator).count() == 1
    delivery = Delivery.objects.get(message__template="moderation_decision")
    assert delivery.contact_point_id == author.contact_point_id and delivery.language == "en"
    assert delivery.message.context["action"] == "approve" and not delivery.message.context["can_appeal"]
    assert next(iter(selectors.training_examples()))["label"] == "civil"


def test_a_second_decision_on_a_decided_case_is_refused_and_changes_nothing(
    question, author, moderator, other_moderator
):
    held_idea(question, author)
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )
    with pytest.raises(services.AlreadyDecided):
        services.case_decide(
            case_id=case.pk,
            stage="first",
            data=DecisionInput(action="reject", reason="uncivil"),
            moderator=other_moderator,
        )
    assert Decision.objects.count() == 1
    assert Idea.objects.get().moderation_state == ModerationState.PUBLISHED
    assert Delivery.objects.filter(message__template="moderation_decision").count() == 1


def test_a_rejection_needs_a_reason_from_the_list(question, author, moderator):
    held_idea(question, author)
    case = ModerationCase.objects.get()
    for reason in ("", "i-do-not-like-it"):
        with pytest.raises(services.ModerationInvalid):
            services.case_decide(
                case_id=case.pk,
                stage="first",
                data=DecisionInput(action="reject", reason=reason),
                moderator=moderator,
            )
    assert not Decision.objects.exists() and ModerationCase.objects.get().state == "open"


def test_reject_then_one_appeal_then_the_appeal_decision(question, author, moderator, other_moderator):
    idea = held_idea(question, author)
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk,
        stage="first",
        data=DecisionInput(action="reject", reason="uncivil", note="Insults"),
        moderator=moderator,
    )
    idea.refresh_from_db()
    assert idea.moderation_state == ModerationState.REMOVED and Idea.objects.filter(pk=idea.pk).exists()
    message = Delivery.objects.get(message__template="moderation_decision").message
    assert message.context["can_appeal"] and message.context["appeal_url"].endswith(f"/appeals/{case.pk}/")
    assert message.context["reason_label"] == "Insults, abuse or harassment"

    stranger = residents(1)[0]
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=stranger, text="Let it be")
    services.appeal_create(case_id=case.pk, author=author, text="It was a joke")
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=author, text="Again")
    assert Appeal.objects.count() == 1
    assert list(selectors.queue_cases("appeals")) == [ModerationCase.objects.get()]

    with pytest.raises(services.AlreadyDecided):  # a stale first-decision form
        services.case_decide(
            case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
        )
    services.case_decide(
        case_id=case.pk,
        stage="appeal",
        data=DecisionInput(action="reject", reason="uncivil", note="Still insults"),
        moderator=other_moderator,
    )
    case.refresh_from_db()
    assert case.state == "closed" and Decision.objects.filter(case=case).count() == 2
    last = Delivery.objects.filter(message__template="moderation_decision").order_by("-id").first()
    assert (
        last is not None
        and last.message.context["stage"] == "appeal"
        and not last.message.context["can_appeal"]
    )
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=author, text="Once more")


def test_an_approval_cannot_be_appealed(question, author, moderator):
    held_idea(question, author)
    case = ModerationCase.objects.get()
    services.case_decide(
        case_id=case.pk, stage="first", data=DecisionInput(action="approve"), moderator=moderator
    )
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(case_id=case.pk, author=author, text="Hm")


def test_edit_with_note_publishes_the_new_text_and_keeps_the_old(question, author, moderator):
    idea = post_idea(question, author)
    comment = post_comment(idea, author, "Call me at 312-555-0143, idiots")
    case = ModerationCase.objects.get()
    assert Idea.objects.get().comments_count == 0  # held comments are not counted
    with pytest.raises(services.ModerationInvalid):  # an edit needs a note
        services.case_decide(
            case_id=case.pk,
            stage="first",
            data=DecisionInput(action="edit", reason="personal_data", body="Call me"),
            moderator=moderator,
        )
    services.case_decide(
        case_id=case.pk,
        stage="first",
        data=DecisionInput(
            action="edit", reason="personal_data", note="Removed a phone number", body="Call me"
        ),
        moderator=moderator,
    )
    comment.refresh_from_db()
    assert comment.body == "Call me" and comment.moderation_state == ModerationState.PUBLISHED
    assert CommentRevision.objects.get(comment=comment).body == "Call me at 312-555-0143, idiots"
    assert Idea.objects.get().comments_count == 1
    decision = Decision.objects.get()
    assert (decision.text_before, decision.text_after) == ("Call me at 312-555-0143, idiots", "Call me")
    assert not IdeaRevision.objects.exists()


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
