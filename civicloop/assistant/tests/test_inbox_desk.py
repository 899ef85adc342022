"""The inbox as a service desk (issue 19, item 4): assignment to a colleague or a department's team, status
(open, pending, resolved) with reopening on the resident's message and auto-resolve, labels, private notes
with @mentions emailed to colleagues, filters and saved views, bulk actions, and the record of who did what."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.accounts.models import Role
from civicloop.assistant.models import (
    AssistantMessage,
    Conversation,
    DeskStatus,
    InboxEvent,
    InboxLabel,
    InboxMention,
    InboxNote,
    InboxSavedView,
)
from civicloop.assistant.services.desk import desk_status_set
from civicloop.assistant.tasks_inbox import (
    auto_resolve_conversations,
    auto_resolve_schedule,
    send_inbox_mention_email,
)
from civicloop.assistant.tests.test_inbound_sms import PHONE, SITE, TOKEN, text
from civicloop.assistant.tests.test_inbox import (
    INBOX,
    OTHER_PHONE,
    make_staff,
    page_text,
    signed_in,
    sms_conversation,
)
from civicloop.servicerequests.models import Service

pytestmark = pytest.mark.django_db

STREETS = "Streets and Sanitation"
MENTION_TASK = "civicloop.assistant.tasks_inbox.send_inbox_mention_email"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture(autouse=True)
def _departments():
    Service.objects.create(code="SCB", name="Sanitation Code Violation", department=STREETS)
    Service.objects.create(code="PHF", name="Pothole in Street", department="CDOT")


@pytest.fixture
def carmen():
    return make_staff("carmen")


@pytest.fixture
def comms(carmen) -> Client:
    return signed_in(carmen)


def web_conversation(n: int, *, language: str = "en", hours_ago: float = 0) -> Conversation:
    moment = timezone.now() - timedelta(minutes=n, hours=hours_ago)
    conversation = Conversation.objects.create(
        channel="web", web_key=f"visitor-{n}", language=language, created_at=moment, last_message_at=moment
    )
    AssistantMessage.objects.create(
        conversation=conversation, direction="in", body=f"Question {n}", created_at=moment
    )
    return conversation


def listed(client: Client, query: str) -> set[str]:
    """The conversations the inbox lists with these filters (their ids)."""
    return set(re.findall(r'href="/staff/inbox/(\d+)/"', page_text(client.get(f"{INBOX}?{query}"))))


def events(conversation: Conversation) -> list[tuple[str, str, str]]:
    return list(
        InboxEvent.objects.filter(conversation=conversation).values_list("kind", "actor_name", "detail")
    )


# ------------------------------------------------------------------------------------------------- roles


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.MODERATOR])
def test_roles_that_do_not_answer_residents_can_change_nothing_on_the_desk(role):
    conversation = sms_conversation()
    label = InboxLabel.objects.create(name="Urgent", colour="red")
    client = signed_in(make_staff("someone", role))
    base = f"{INBOX}{conversation.pk}"

    refused = [
        client.post(f"{base}/assign/", {"assignee": "", "team": STREETS}),
        client.post(f"{base}/status/", {"status": "resolved"}),
        client.post(f"{base}/labels/", {"label": label.pk}),
        client.post(f"{base}/notes/", {"note-body": "hello"}),
        client.post(f"{base}/link/", {"other": conversation.pk}),
        client.post(f"{INBOX}bulk/", {"conversation": [conversation.pk], "action": "resolve"}),
        client.get(f"{INBOX}labels/"),
        client.post(f"{INBOX}views/", {"name": "Mine", "query": "status=open"}),
    ]

    assert [response.status_code for response in refused] == [403] * len(refused)
    conversation.refresh_from_db()
    assert (conversation.assigned_team, conversation.desk_status) == ("", DeskStatus.OPEN)
    assert not InboxNote.objects.exists() and not InboxEvent.objects.exists()
    assert not conversation.labels.exists() and not InboxSavedView.objects.exists()


# ----------------------------------------------------------------------------------- assignment, status


def test_a_conversation_is_assigned_to_a_colleague_and_a_department_and_the_record_names_who(comms, carmen):
    conversation = sms_conversation()
    dana = make_staff("dana")

    response = comms.post(f"{INBOX}{conversation.pk}/assign/", {"assignee": dana.pk, "team": STREETS})

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.assigned_to, conversation.assigned_team) == (dana, STREETS)
    [(kind, actor, detail)] = events(conversation)
    assert (kind, actor) == ("assigned", "Carmen Staff")
    assert "Dana Staff" in detail and STREETS in detail
    page = page_text(comms.get(f"{INBOX}{conversation.pk}/"))
    assert f'<option value="{STREETS}" selected>' in page and "Carmen Staff" in page


def test_only_the_city_s_departments_and_colleagues_who_answer_residents_can_be_assigned(comms):
    conversation = sms_conversation()
    moderator = make_staff("mo", Role.MODERATOR)

    comms.post(f"{INBOX}{conversation.pk}/assign/", {"assignee": "", "team": "Made-up Department"})
    comms.post(f"{INBOX}{conversation.pk}/assign/", {"assignee": moderator.pk, "team": ""})

    conversation.refresh_from_db()
    assert (conversation.assigned_to, conversation.assigned_team) == (None, "")
    assert not InboxEvent.objects.exists()


def test_a_resident_s_new_message_shows_a_resolved_conversation_open_at_once_and_the_task_stores_it(comms):
    conversation = sms_conversation()
    comms.post(f"{INBOX}{conversation.pk}/status/", {"status": "resolved"})
    conversation.refresh_from_db()
    assert conversation.desk_status == DeskStatus.RESOLVED
    assert str(conversation.pk) not in listed(comms, "status=open")

    text("One more thing, please")

    assert listed(comms, "status=open") == {str(conversation.pk)}  # at once, computed when read
    assert listed(comms, "status=resolved") == set()
    auto_resolve_conversations.call()  # the periodic task stores it, with the record
    conversation.refresh_from_db()
    assert conversation.desk_status == DeskStatus.OPEN
    assert [kind for kind, _actor, _detail in events(conversation)] == ["status", "reopened"]


def test_a_pending_conversation_reopens_on_the_resident_s_answer_but_not_on_a_staff_reply(comms, carmen):
    conversation = sms_conversation()
    desk_status_set(
        conversation_ids=[conversation.pk],
        staff=carmen,
        status="pending",
    )
    AssistantMessage.objects.create(
        conversation=conversation, direction="out", body="We are on it", created_at=timezone.now()
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=timezone.now())

    assert listed(comms, "status=pending") == {str(conversation.pk)}
    assert '<option value="pending" selected>' in page_text(comms.get(f"{INBOX}{conversation.pk}/"))

    text("Thanks, it is at 5 N State")

    assert listed(comms, "status=pending") == set()
    assert '<option value="open" selected>' in page_text(comms.get(f"{INBOX}{conversation.pk}/"))


def test_resolving_a_conversation_the_resident_reopened_resolves_it_again(comms, carmen):
    conversation = sms_conversation()
    desk_status_set(
        conversation_ids=[conversation.pk],
        staff=carmen,
        status="resolved",
    )
    text("Not fixed yet")

    comms.post(f"{INBOX}bulk/", {"conversation": [conversation.pk], "action": "resolve"})

    assert listed(comms, "status=resolved") == {str(conversation.pk)}
    assert [kind for kind, _a, _d in events(conversation)] == ["status", "status"]


def test_an_unknown_status_is_refused(comms):
    conversation = sms_conversation()

    comms.post(f"{INBOX}{conversation.pk}/status/", {"status": "closed-forever"})

    conversation.refresh_from_db()
    assert conversation.desk_status == DeskStatus.OPEN


# ---------------------------------------------------------------------------------------- auto-resolve


def test_auto_resolve_resolves_only_conversations_pending_and_quiet_for_the_configured_hours(
    carmen, settings
):
    settings.INBOX_AUTO_RESOLVE_HOURS = 48
    now = timezone.now()
    quiet, answered, recent, open_one = (web_conversation(n, hours_ago=51) for n in range(4))
    long_ago = now - timedelta(hours=50)
    Conversation.objects.filter(pk__in=[quiet.pk, answered.pk, open_one.pk]).update(last_message_at=long_ago)
    desk_status_set(conversation_ids=[quiet.pk, answered.pk], staff=carmen, status="pending", now=long_ago)
    desk_status_set(
        conversation_ids=[recent.pk], staff=carmen, status="pending", now=now - timedelta(hours=47)
    )
    # The resident answered one of them an hour ago: it reopens and is not resolved.
    AssistantMessage.objects.create(
        conversation=answered, direction="in", body="Still broken", created_at=now - timedelta(hours=1)
    )
    Conversation.objects.filter(pk=answered.pk).update(last_message_at=now - timedelta(hours=1))

    with CaptureQueriesContext(connection) as captured:
        resolved = auto_resolve_conversations.call()

    assert resolved == 1
    statuses = dict(Conversation.objects.values_list("pk", "desk_status"))
    assert statuses == {quiet.pk: "resolved", answered.pk: "open", recent.pk: "pending", open_one.pk: "open"}
    assert events(quiet)[-1][:2] == ("auto_resolved", "")
    # Set-based: one UPDATE reopens the answered one, one resolves the quiet ones.
    updates = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "assistant_conversation"')
    ]
    assert len(updates) == 2


def test_auto_resolve_is_booked_at_worker_start_and_books_its_next_run():
    assert auto_resolve_schedule() is True
    assert auto_resolve_schedule() is False  # one waits already

    waiting = DBTaskResult.objects.filter(task_path=auto_resolve_conversations.module_path)
    assert waiting.count() == 1


# ------------------------------------------------------------------------------------------------ labels


def test_staff_make_labels_from_the_palette_and_put_several_on_a_conversation(comms):
    conversation = sms_conversation()

    assert comms.post(f"{INBOX}labels/", {"name": "Potholes", "colour": "brown"}).status_code == 302
    assert comms.post(f"{INBOX}labels/", {"name": "Urgent", "colour": "red"}).status_code == 302
    assert comms.post(f"{INBOX}labels/", {"name": "Bad", "colour": "#ff00ff"}).status_code == 400
    potholes, urgent = InboxLabel.objects.order_by("name")
    comms.post(f"{INBOX}{conversation.pk}/labels/", {"label": potholes.pk})
    comms.post(f"{INBOX}{conversation.pk}/labels/", {"label": urgent.pk})
    comms.post(f"{INBOX}{conversation.pk}/labels/", {"label": urgent.pk})  # twice: once

    assert set(conversation.labels.values_list("name", flat=True)) == {"Potholes", "Urgent"}
    assert [kind for kind, _a, _d in events(conversation)] == ["labelled", "labelled"]
    comms.post(f"{INBOX}{conversation.pk}/labels/{urgent.pk}/remove/")
    assert list(conversation.labels.values_list("name", flat=True)) == ["Potholes"]
    assert events(conversation)[-1] == ("unlabelled", "Carmen Staff", "Urgent")
    assert 'class="tag label-brown">Potholes</span>' in page_text(comms.get(INBOX))


# ------------------------------------------------------------------------------------------------- notes


def test_a_note_is_private_and_emails_the_colleague_mentioned_once(
    comms, mailoutbox, django_capture_on_commit_callbacks
):
    conversation = sms_conversation()
    dana = make_staff("dana")
    make_staff("mo", Role.MODERATOR)
    replies_before = AssistantMessage.objects.filter(direction="out").count()

    with django_capture_on_commit_callbacks(execute=True):
        response = comms.post(
            f"{INBOX}{conversation.pk}/notes/", {"note-body": "@dana can you call? @mo @nobody"}
        )

    assert response.status_code == 302
    [note] = InboxNote.objects.all()
    assert note.author_name == "Carmen Staff"
    # Only a colleague who answers residents is mentioned (a moderator may not see the inbox).
    assert list(InboxMention.objects.values_list("mentioned__username", flat=True)) == ["dana"]
    assert AssistantMessage.objects.filter(direction="out").count() == replies_before  # never sent
    (queued,) = DBTaskResult.objects.filter(task_path=MENTION_TASK)
    args = queued.args_kwargs
    assert send_inbox_mention_email.call(*args["args"], **args["kwargs"]) is True
    assert send_inbox_mention_email.call(*args["args"], **args["kwargs"]) is False
    (email,) = mailoutbox
    assert email.to == [dana.email] and f"/staff/inbox/{conversation.pk}/" in email.body
    assert "call" not in email.body and PHONE not in email.body  # no note words, no resident details

    dana_client = signed_in(dana)
    assert f"{INBOX}{conversation.pk}/#notes" in page_text(dana_client.get(INBOX))  # mentions for you
    assert "can you call?" in page_text(dana_client.get(f"{INBOX}{conversation.pk}/"))
    assert f"{INBOX}{conversation.pk}/#notes" not in page_text(dana_client.get(INBOX))  # seen


def test_an_empty_note_is_refused(comms):
    conversation = sms_conversation()

    response = comms.post(f"{INBOX}{conversation.pk}/notes/", {"note-body": "   "})

    assert response.status_code == 400 and "Write the note first." in page_text(response)
    assert not InboxNote.objects.exists()


# ---------------------------------------------------------------------------------- filters and views


def test_the_filters_combine_channel_language_label_assignee_team_and_status(comms, carmen):
    english, spanish, other = web_conversation(1), web_conversation(2, language="es"), web_conversation(3)
    label = InboxLabel.objects.create(name="Trees", colour="green")
    spanish.labels.add(label)
    Conversation.objects.filter(pk=spanish.pk).update(assigned_to=carmen, assigned_team=STREETS)
    Conversation.objects.filter(pk=other.pk).update(desk_status="resolved")

    assert listed(comms, "language=es") == {str(spanish.pk)}
    assert listed(comms, f"label={label.pk}") == {str(spanish.pk)}
    assert listed(comms, "assignee=mine") == {str(spanish.pk)}
    assert listed(comms, "assignee=none") == {str(english.pk), str(other.pk)}
    assert listed(comms, f"team={STREETS}") == {str(spanish.pk)}
    assert listed(comms, "status=resolved") == {str(other.pk)}
    assert listed(comms, "status=open&channel=web&language=en") == {str(english.pk)}


def test_a_saved_view_keeps_the_filters_for_its_owner_only(comms, carmen):
    comms.post(f"{INBOX}views/", {"name": "Spanish, mine", "query": "language=es&assignee=mine&evil=1"})

    [view] = InboxSavedView.objects.all()
    assert (view.owner, view.query) == (carmen, "language=es&assignee=mine")
    assert 'href="/staff/inbox/?language=es&amp;assignee=mine">Spanish, mine</a>' in page_text(
        comms.get(INBOX)
    )
    other = signed_in(make_staff("dana"))
    assert "Spanish, mine" not in page_text(other.get(INBOX))
    other.post(f"{INBOX}views/{view.pk}/delete/")
    assert InboxSavedView.objects.count() == 1  # not theirs to delete


def test_a_filtered_page_costs_the_same_queries_for_3_or_30_conversations(comms, carmen):
    label = InboxLabel.objects.create(name="Trees", colour="green")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = comms.get(f"{INBOX}?status=open&language=en")
        assert response.status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        web_conversation(n).labels.add(label)
    few = count()
    for n in range(3, 30):
        conversation = web_conversation(n)
        conversation.labels.add(label)
        Conversation.objects.filter(pk=conversation.pk).update(assigned_to=carmen, assigned_team=STREETS)
    many = count()

    assert few == many


# ---------------------------------------------------------------------------------------------- bulk


def test_bulk_actions_assign_label_and_resolve_the_ticked_conversations_in_one_update_each(comms, carmen):
    one, two, untouched = web_conversation(1), web_conversation(2), web_conversation(3)
    label = InboxLabel.objects.create(name="Trees", colour="green")
    ticked = {"conversation": [one.pk, two.pk]}

    def updates(data: dict) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert comms.post(f"{INBOX}bulk/", {**ticked, **data}).status_code == 302
        return sum(
            1 for q in captured.captured_queries if q["sql"].startswith('UPDATE "assistant_conversation"')
        )

    assert updates({"action": "assign", "assignee": "me", "team": STREETS}) == 1
    assert updates({"action": "label", "label": label.pk}) == 0  # one INSERT, no update
    assert updates({"action": "resolve"}) == 1

    for conversation in (one, two):
        conversation.refresh_from_db()
        assert (conversation.assigned_to, conversation.assigned_team) == (carmen, STREETS)
        assert conversation.desk_status == "resolved" and conversation.labels.get() == label
    untouched.refresh_from_db()
    assert (untouched.assigned_to, untouched.desk_status, untouched.labels.count()) == (None, "open", 0)
    assert InboxEvent.objects.filter(kind="assigned").count() == 2


def test_bulk_with_nothing_ticked_changes_nothing(comms):
    conversation = web_conversation(1)

    comms.post(f"{INBOX}bulk/", {"action": "resolve"})

    conversation.refresh_from_db()
    assert conversation.desk_status == "open"


# --------------------------------------------------------------------------------- the page without JS


def test_the_thread_page_lists_its_shortcuts_and_labels_every_desk_control(comms):
    conversation = sms_conversation()

    page = page_text(comms.get(f"{INBOX}{conversation.pk}/"))

    assert 'id="shortcuts-help"' in page and "r — write a reply" in page
    assert "inbox-shortcuts.js" in page
    for control in ("desk-status", "desk-assignee", "desk-team", "desk-link", "id_note-body", "id_body"):
        assert f'<label for="{control}"' in page, control
    listing = page_text(comms.get(INBOX))
    for control in (
        "bulk-action",
        "bulk-assignee",
        "bulk-team",
        "bulk-label",
        "filter-status",
        "filter-team",
    ):
        assert f'<label for="{control}"' in listing, control


def test_other_numbers_conversations_are_not_shown_in_one_s_thread(comms):
    sms_conversation()
    other = sms_conversation(phone=OTHER_PHONE, body="Different person")

    page = page_text(comms.get(f"{INBOX}{other.pk}/"))

    assert "Hello, is the pool open?" not in page


# ------------------------------------------------------------------------------------- in a real browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_desk_is_accessible_and_its_shortcuts_only_enhance(page, live_server, assert_accessible):
    from civicloop.conftest import login_in_browser
    from civicloop.core.tests.test_csp_browser import COLLECT_VIOLATIONS

    conversation = web_conversation(1)
    InboxLabel.objects.create(name="Trees", colour="green")
    login_in_browser(page, live_server, make_staff("carmen"))
    page.context.add_init_script(COLLECT_VIOLATIONS)

    page.goto(f"{INBOX}?status=open")
    assert_accessible(page)
    page.goto(f"{INBOX}{conversation.pk}/")
    assert_accessible(page)

    page.locator("h1").click()  # not typing in a field
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "id_body"
    page.locator("h1").click()
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.id") == "desk-assignee"
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("e")
    conversation.refresh_from_db()
    assert conversation.desk_status == DeskStatus.RESOLVED
    assert page.evaluate("window.__cspViolations") == []
