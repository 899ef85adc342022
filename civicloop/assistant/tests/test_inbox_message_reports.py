"""Staff report a resident's abusive message from the inbox thread to the moderators: moderation works on
it through its registry (assistant/reportables.py), as on ideas, comments and statements."""

import pytest

from civicloop.accounts.models import Role
from civicloop.assistant.models import AssistantMessage, MessageModerationState
from civicloop.assistant.services.inbox import inbox_take_over
from civicloop.assistant.tests.test_inbox import (  # noqa: F401 (_settings: the signed webhook's)
    INBOX,
    _settings,
    make_staff,
    page_text,
    signed_in,
    sms_conversation,
)
from civicloop.delivery.models import Delivery
from civicloop.moderation.models import Decision, ModerationCase
from civicloop.moderation.selectors import removed_content_rows

pytestmark = pytest.mark.django_db

ABUSE = "I know where you live, call me on 312-555-0199"


def resident_message(conversation) -> AssistantMessage:
    return AssistantMessage.objects.get(conversation=conversation, direction="in")


def report_url(message: AssistantMessage) -> str:
    return f"{INBOX}{message.conversation_id}/messages/{message.pk}/report/"


def test_three_staff_reports_hide_a_message_and_a_moderators_removal_keeps_it_in_the_record(settings):
    settings.MODERATION_REPORTS_TO_HIDE = 3
    carmen = make_staff("carmen")
    conversation = sms_conversation(body="Hello")
    inbox_take_over(conversation_id=conversation.pk, staff=carmen)
    sms_conversation(body=ABUSE)  # staff have it: the assistant is quiet, the abuse is the latest message
    message = AssistantMessage.objects.get(conversation=conversation, body=ABUSE)
    staff = [signed_in(user) for user in (carmen, make_staff("dev"), make_staff("eli"))]
    thread = page_text(staff[0].get(f"{INBOX}{conversation.pk}/"))
    assert report_url(message) in thread
    form = staff[0].get(report_url(message))
    assert form.status_code == 200 and "I know where you live" in page_text(form)
    assert "312-555-0199" not in page_text(form)  # contact details masked for a role without the right

    for client in staff[:2]:
        response = client.post(report_url(message), {"reason": "threat", "note": ""})
        assert response.status_code == 302 and response["Location"] == f"{INBOX}{conversation.pk}/"
    message.refresh_from_db()
    assert message.moderation_state == MessageModerationState.PUBLISHED
    staff[2].post(report_url(message), {"reason": "uncivil"})

    message.refresh_from_db()
    assert message.moderation_state == MessageModerationState.HIDDEN
    [case] = ModerationCase.objects.all()
    assert (case.kind, case.content_id, case.urgent, case.reports_count) == ("message", message.pk, True, 3)
    thread = page_text(staff[0].get(f"{INBOX}{conversation.pk}/"))
    assert "Hidden after reports: waiting for a moderator" in thread and report_url(message) not in thread
    listing = page_text(staff[0].get(INBOX))
    assert "(Hidden after reports)" in listing and "I know where you live" not in listing

    console = signed_in(make_staff("mo", Role.MODERATOR))
    queue = page_text(console.get("/staff/moderation/"))
    assert "Message:" in queue and "I know where you live" in queue and "312-555-0199" not in queue
    case_page = page_text(console.get(f"/staff/moderation/{case.pk}/"))
    assert "The message" in case_page and 'value="edit"' not in case_page
    response = console.post(
        f"/staff/moderation/{case.pk}/",
        {"stage": "first", "action": "reject", "reason": "threat", "note": "A threat to staff."},
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.moderation_state == MessageModerationState.REMOVED
    assert Decision.objects.get(case=case).state_after == "removed"
    assert not Delivery.objects.filter(message__template="moderation_decision").exists()  # nobody to tell
    thread = page_text(staff[0].get(f"{INBOX}{conversation.pk}/"))
    assert "Removed by a moderator" in thread and "I know where you live" not in thread
    record = staff[0].get(f"{INBOX}{conversation.pk}/record.csv")
    assert "I know where you live" in page_text(record)
    [row] = [row for row in removed_content_rows() if row[0] == "message"]
    assert (row[1], row[4], row[6]) == (message.pk, "", "removed") and "312-555-0199" not in row[8]


def test_a_moderator_restores_a_message_reported_in_error(settings):
    settings.MODERATION_REPORTS_TO_HIDE = 1
    conversation = sms_conversation(body="The bins were not picked up again")
    message = resident_message(conversation)
    signed_in(make_staff("carmen")).post(report_url(message), {"reason": "spam"})
    case = ModerationCase.objects.get()

    signed_in(make_staff("mo", Role.MODERATOR)).post(
        f"/staff/moderation/{case.pk}/", {"stage": "first", "action": "approve"}
    )

    message.refresh_from_db()
    assert message.moderation_state == MessageModerationState.PUBLISHED


def test_reporting_twice_a_bad_reason_a_reply_or_without_the_inbox_right_is_refused():
    conversation = sms_conversation(body="Where is my permit?")
    message = resident_message(conversation)
    reply = AssistantMessage.objects.get(conversation=conversation, direction="out")
    carmen = signed_in(make_staff("carmen"))

    assert carmen.post(report_url(message), {"reason": "not-a-reason"}).status_code == 400
    assert not ModerationCase.objects.exists()
    carmen.post(report_url(message), {"reason": "spam"})
    again = carmen.post(report_url(message), {"reason": "spam"}, follow=True)
    assert "You reported this already" in page_text(again)
    assert carmen.get(report_url(reply)).status_code == 404  # the city's own words are not reported
    department = signed_in(make_staff("dana", Role.DEPARTMENT))
    assert department.get(report_url(message)).status_code == 403
    assert ModerationCase.objects.get().reports_count == 1
