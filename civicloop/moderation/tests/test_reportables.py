"""The registry content apps fill so that moderation works on their content without importing them."""

import pytest

from civicloop.engage.models import Comment, Idea
from civicloop.moderation import reportables
from civicloop.moderation.models import Report


def test_content_apps_register_their_kinds_and_engage_the_supports_on_its_questions():
    from civicloop.assistant.models import AssistantMessage
    from civicloop.deliberation.models import Statement

    assert [(r.kind, r.model) for r in reportables.reportables()] == [
        ("idea", Idea),
        ("comment", Comment),
        ("message", AssistantMessage),
        ("statement", Statement),
    ]
    assert reportables.reportable_for(Comment()).kind == "comment"
    assert reportables.question_supports() is not None


def test_deliberation_registers_the_votes_in_its_conversations():
    from civicloop.deliberation.reportables import VOTES

    assert reportables.conversation_votes() is VOTES


@pytest.mark.django_db
def test_looking_for_coordinated_voting_with_nobody_registering_votes_is_refused(monkeypatch):
    from civicloop.moderation.coordinated import coordinated_voting_flag

    monkeypatch.setattr(reportables, "_conversation_votes", [])

    with pytest.raises(LookupError):
        coordinated_voting_flag(conversation_ids=[1])


def test_content_of_a_kind_nobody_registered_is_refused():
    with pytest.raises(LookupError):
        reportables.reportable_for(Report())


def test_the_states_are_the_ones_engage_stores():
    from civicloop.engage.models import ModerationState

    assert set(reportables.STATES) == set(ModerationState.values)


# ----------------------------------------------------------------- a kind moderation has no column for


def _another_apps_kind(changes: list[tuple[str, str]]) -> reportables.Reportable:
    """A kind moderation's tables name by (kind, content_id) alone: its app fills no other column.

    Engage's Comment stands in under a kind of its own, with the default state and author (its
    `moderation_state` and `author_id`); deliberation's statements are the registered kind that
    translates its own (test_statements_are_moderated_as_ideas_are, in deliberation's tests).
    """

    def edit(item: Comment, title: str, body: str, moment) -> None:  # type: ignore[no-untyped-def]
        Comment.objects.filter(pk=item.pk).update(body=body, edited_at=moment)

    return reportables.Reportable(
        kind="neighbourhood_note",
        model=Comment,
        case_fields=lambda item: {},
        text=lambda item: ("", item.body),
        has_title=False,
        body_max=500,
        edit=edit,
        state_changed=lambda item, before, after: changes.append((before, after)),
        author=lambda item: item.author,
        notice=lambda item: {"is_comment": True, "idea_title": "A note", "idea_path": "/notes/"},
        listed=lambda states: list(Comment.objects.filter(moderation_state__in=states).order_by("id")),
        export_place=lambda item: (0, "", ""),
        described=lambda cases: {
            case.pk: reportables.Described(
                label="Note",
                heading="The note",
                yours="Your note",
                title="",
                body=Comment.objects.get(pk=case.content_id).body,
                author_name="",
                path="/notes/",
                context="",
                where="",
                state_label="",
            )
            for case in cases
        },
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("moderation_defaults")
def test_another_apps_content_is_moderated_through_the_registry_alone(
    monkeypatch, question, author, moderator
):
    from civicloop.moderation.models import AuditEvent, Decision, ModerationCase
    from civicloop.moderation.selectors import case_file, removed_content_rows
    from civicloop.moderation.services import DecisionInput, ModerationRefused, case_decide, report_create
    from civicloop.moderation.tests.conftest import post_comment, post_idea, residents

    idea = post_idea(question, author)
    note = post_comment(idea, author, "The alley lights are out again.")
    changes: list[tuple[str, str]] = []
    # Only this kind is registered while the test runs (monkeypatch puts engage's back afterwards).
    monkeypatch.setattr(reportables, "_reportables", {})
    reportables.reportable_register(_another_apps_kind(changes))
    first, second, third = residents(3)

    report_create(reporter=first, content=note, reason="spam")
    report_create(reporter=second, content=note, reason="off_topic")
    with pytest.raises(ModerationRefused, match="reported this already"):
        report_create(reporter=second, content=note, reason="spam")
    report_create(reporter=third, content=note, reason="spam")  # the third hides it

    [case] = ModerationCase.objects.all()
    assert (case.kind, case.content_id, case.idea_id, case.comment_id) == (
        "neighbourhood_note",
        note.pk,
        None,
        None,
    )
    assert list(
        Report.objects.order_by().values_list("kind", "content_id", "idea_id", "comment_id").distinct()
    ) == [("neighbourhood_note", note.pk, None, None)]
    assert (case.reports_count, case.reasons) == (3, ["off_topic", "spam"])
    assert case_file(case.pk).content == note
    note.refresh_from_db()
    assert note.moderation_state == reportables.HIDDEN

    decision = case_decide(
        case_id=case.pk,
        stage=Decision.Stage.FIRST,
        data=DecisionInput(action="reject", reason="spam", note="Advertising."),
        moderator=moderator,
    )

    note.refresh_from_db()
    assert note.moderation_state == reportables.REMOVED
    assert changes == [(reportables.PUBLISHED, reportables.HIDDEN), (reportables.HIDDEN, reportables.REMOVED)]
    assert (decision.text_before, decision.state_before, decision.state_after) == (
        "The alley lights are out again.",
        reportables.HIDDEN,
        reportables.REMOVED,
    )
    assert list(AuditEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
        AuditEvent.Kind.OPENED,
        AuditEvent.Kind.REPORTED,
        AuditEvent.Kind.REPORTED,
        AuditEvent.Kind.REPORTED,
        AuditEvent.Kind.HIDDEN,
        AuditEvent.Kind.DECIDED,
    ]
    [row] = list(removed_content_rows())
    assert (row[0], row[1], row[11]) == ("neighbourhood_note", note.pk, "reject")


@pytest.mark.django_db
def test_a_case_of_a_kind_nobody_registered_is_refused():
    with pytest.raises(LookupError):
        reportables.reportable_of_kind("petition")
