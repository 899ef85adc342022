"""The staff inbox for the assistant's conversations (/staff/inbox/): who may see it and what, taking a
conversation over (the assistant goes quiet, STOP/START/HELP still work), handing it back, replying by text
(through a local Twilio, once per form) and in the web chat, canned replies, and a page's query count."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.accounts.services import staff_user_ensure
from civicloop.assistant.models import AssistantMessage, Conversation, InboxCannedReply
from civicloop.assistant.services.inbox import InboxReplyRefused, inbox_reply
from civicloop.assistant.tests.test_inbound_sms import PHONE, SITE, TOKEN, reply_of, text
from civicloop.delivery.models import Suppression
from civicloop.integrations.tests.fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"
INBOX = "/staff/inbox/"
OTHER_PHONE = "+13125550177"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_MAX_SEGMENTS = 3


@pytest.fixture
def twilio(settings):
    # One token for both ways: the webhook's signatures and the API's password.
    with FakeTwilio(auth_token=TOKEN) as server:
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID = server.account_sid
        settings.TWILIO_FROM_NUMBER = "+13125550100"
        settings.TWILIO_API_BASE = server.url
        yield server


def make_staff(username: str, role: Role = Role.COMMUNICATIONS) -> User:
    return staff_user_ensure(
        username=username,
        email=f"{username}@city.example",
        role=role,
        password=PASSWORD,
        full_name=f"{username.title()} Staff",
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def carmen() -> User:
    return make_staff("carmen")


@pytest.fixture
def comms(carmen) -> Client:
    return signed_in(carmen)


@pytest.fixture
def admin_client() -> Client:
    return signed_in(make_staff("ada", Role.ADMIN))


def sms_conversation(phone: str = PHONE, body: str = "Hello, is the pool open?") -> Conversation:
    """A resident's text, through the signed webhook, answered by the assistant."""
    reply_of(text(body, phone=phone))
    return Conversation.objects.get(channel="sms", phone=phone)


def page_text(response) -> str:
    return response.content.decode()


def reply_key(response) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page_text(response))
    assert found, "the reply form carries its idempotency key"
    return found.group(1)


def post_reply(client: Client, conversation: Conversation, body: str, key: str):
    return client.post(f"{INBOX}{conversation.pk}/reply/", {"body": body, "idempotency_key": key})


# ------------------------------------------------------------------------------------------------- roles


def test_the_inbox_asks_anonymous_visitors_to_sign_in():
    response = Client().get(INBOX)

    assert response.status_code == 302 and "/staff/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.MODERATOR])
def test_staff_whose_role_does_not_answer_residents_are_refused(role):
    conversation = sms_conversation()
    client = signed_in(make_staff("someone", role))

    assert client.get(INBOX).status_code == 403
    assert client.get(f"{INBOX}{conversation.pk}/").status_code == 403
    assert client.post(f"{INBOX}{conversation.pk}/take-over/").status_code == 403
    assert Conversation.objects.get().taken_over_by is None


def test_communications_staff_see_the_last_digits_of_a_number_and_no_numbers_residents_typed(comms):
    conversation = sms_conversation(body="Call me at 312-555-0199 or write to ana@example.org")

    listing, thread = page_text(comms.get(INBOX)), page_text(comms.get(f"{INBOX}{conversation.pk}/"))

    for page in (listing, thread):
        assert "•••• 0123" in page
        assert PHONE not in page and "5550123" not in page
        assert "312-555-0199" not in page and "ana@example.org" not in page
    assert "[phone removed]" in thread and "[email removed]" in thread


def test_an_administrator_sees_the_whole_number_and_what_the_resident_typed(admin_client):
    conversation = sms_conversation(body="Call me at 312-555-0199")

    thread = page_text(admin_client.get(f"{INBOX}{conversation.pk}/"))

    assert PHONE in thread and "312-555-0199" in thread


def test_the_staff_console_links_the_inbox_for_roles_that_answer_residents(comms):
    assert 'href="/staff/inbox/"' in page_text(comms.get("/staff/"))
    assert 'href="/staff/inbox/"' not in page_text(
        signed_in(make_staff("dee", Role.DEPARTMENT)).get("/staff/")
    )


# ------------------------------------------------------------------------------------------------- list


def test_the_inbox_lists_texts_and_web_chats_with_their_latest_message(comms):
    sms_conversation(body="When is street sweeping?")
    Client().post("/assistant/", {"message": "Where do I pay a parking ticket?"})

    listing = page_text(comms.get(INBOX))

    assert "Text message" in listing and "Web chat" in listing
    assert "Web visitor" in listing
    web = Conversation.objects.get(channel="web")
    assert f'href="/staff/inbox/{web.pk}/"' in listing


def test_the_channel_filter_shows_one_channel(comms):
    sms_conversation()
    Client().post("/assistant/", {"message": "Hello"})
    web = Conversation.objects.get(channel="web")

    listing = page_text(comms.get(INBOX, {"channel": "web"}))

    assert f'href="/staff/inbox/{web.pk}/"' in listing and "•••• 0123" not in listing


def test_waiting_for_an_answer_shows_conversations_whose_latest_message_is_the_resident_s(comms, carmen):
    answered_by_bot = sms_conversation(OTHER_PHONE)
    waiting = sms_conversation()
    comms.post(f"{INBOX}{waiting.pk}/take-over/")
    reply_of(text("Are you there?"))
    stopped = sms_conversation("+13125550188")
    reply_of(text("STOP", phone="+13125550188"))
    reply_of(text("STOP", phone="+13125550188"))  # a second STOP gets no answer, and needs none

    listing = page_text(comms.get(INBOX, {"state": "needs_answer"}))

    assert f'href="/staff/inbox/{waiting.pk}/"' in listing
    assert f'href="/staff/inbox/{answered_by_bot.pk}/"' not in listing
    assert f'href="/staff/inbox/{stopped.pk}/"' not in listing
    assert "1 conversation is waiting for an answer." in listing


def test_a_page_of_the_inbox_costs_the_same_queries_for_3_or_30_conversations(comms, carmen):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = comms.get(INBOX)
        assert response.status_code == 200
        return len(captured.captured_queries)

    moment = timezone.now()
    for number in range(3):
        make_conversation_with_messages(number, moment, staff=carmen if number % 2 else None)
    few = queries_for_page()
    for number in range(3, 30):
        make_conversation_with_messages(number, moment, staff=carmen if number % 2 else None)
    many = queries_for_page()

    assert few == many
    # session, user, count, page, waiting count; the service desk (issue 19) adds seven, each once a page:
    # the page's labels, the same-number join check, and the labels, teams, colleagues, saved views and
    # mentions its filters and bulk actions offer.
    assert many <= 12


def make_conversation_with_messages(number: int, moment, *, staff: User | None) -> Conversation:
    conversation = Conversation.objects.create(
        channel="sms",
        phone=f"+1312555{number:04d}",
        created_at=moment,
        last_message_at=moment + timedelta(seconds=number),
        taken_over_by=staff,
        taken_over_at=moment if staff else None,
    )
    for offset, direction in enumerate(["in", "out", "in"]):
        AssistantMessage.objects.create(
            conversation=conversation,
            direction=direction,
            body=f"message {number}.{offset}",
            created_at=moment + timedelta(seconds=offset),
        )
    return conversation


def test_the_thread_page_costs_the_same_queries_however_long_the_thread(comms, carmen):
    moment = timezone.now()
    conversation = make_conversation_with_messages(1, moment, staff=carmen)
    url = f"{INBOX}{conversation.pk}/"
    with CaptureQueriesContext(connection) as short:
        comms.get(url)
    for _offset in range(20):
        AssistantMessage.objects.create(
            conversation=conversation, direction="out", body="reply", sent_by=carmen, created_at=moment
        )
    with CaptureQueriesContext(connection) as long:
        comms.get(url)

    assert len(short.captured_queries) == len(long.captured_queries)


def test_resident_text_is_escaped(comms):
    conversation = sms_conversation(body="<script>alert(1)</script>")

    thread = page_text(comms.get(f"{INBOX}{conversation.pk}/"))
    listing = page_text(comms.get(INBOX))

    assert "<script>alert(1)</script>" not in thread and "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;" in thread


def test_an_unknown_conversation_is_not_found(comms):
    assert comms.get(f"{INBOX}999999/").status_code == 404
    assert comms.post(f"{INBOX}999999/take-over/").status_code == 404


# ------------------------------------------------------------------------------------ taking over by text


def test_after_take_over_the_assistant_stops_answering_texts_but_they_are_stored(comms, carmen):
    conversation = sms_conversation()

    response = comms.post(f"{INBOX}{conversation.pk}/take-over/")
    reply = reply_of(text("Is anyone there?"))

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.taken_over_by == carmen and conversation.taken_over_at is not None
    assert reply == ""
    latest = conversation.messages.latest("id")
    assert (
        latest.direction == "in" and latest.body == "Is anyone there?" and latest.handled_as == "taken_over"
    )


@pytest.mark.parametrize(("body", "expected"), [("STOP", "START"), ("HELP", "STOP"), ("AYUDA", "STOP")])
def test_compliance_keywords_still_work_in_a_conversation_taken_over(comms, body, expected):
    conversation = sms_conversation()
    comms.post(f"{INBOX}{conversation.pk}/take-over/")

    assert expected in reply_of(text(body))


def test_start_still_works_in_a_conversation_taken_over(comms):
    conversation = sms_conversation()
    comms.post(f"{INBOX}{conversation.pk}/take-over/")
    reply_of(text("STOP"))

    assert "STOP" in reply_of(text("START"))
    assert not Suppression.objects.filter(value=PHONE).exists()


def test_handing_back_lets_the_assistant_answer_again(comms):
    conversation = sms_conversation()
    comms.post(f"{INBOX}{conversation.pk}/take-over/")

    response = comms.post(f"{INBOX}{conversation.pk}/hand-back/")

    assert response.status_code == 302
    assert Conversation.objects.get().taken_over_by is None
    assert reply_of(text("When is street sweeping?")) != ""


def test_take_over_and_hand_back_only_accept_post(comms):
    conversation = sms_conversation()

    assert comms.get(f"{INBOX}{conversation.pk}/take-over/").status_code == 405
    assert comms.get(f"{INBOX}{conversation.pk}/hand-back/").status_code == 405
    assert comms.get(f"{INBOX}{conversation.pk}/reply/").status_code == 405


def test_the_forms_need_the_csrf_token(carmen):
    conversation = sms_conversation()
    client = Client(enforce_csrf_checks=True)
    client.force_login(carmen)

    assert client.post(f"{INBOX}{conversation.pk}/take-over/").status_code == 403
    assert Conversation.objects.get().taken_over_by is None


# ---------------------------------------------------------------------------------------- replying by text


def test_a_staff_reply_is_texted_once_even_when_the_form_is_posted_twice(comms, carmen, twilio):
    conversation = sms_conversation()
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))

    first = post_reply(comms, conversation, "Hi, this is Carmen from the city. Yes, it opens at 9.", key)
    again = post_reply(comms, conversation, "Hi, this is Carmen from the city. Yes, it opens at 9.", key)

    assert first.status_code == 302 and again.status_code == 302
    assert [(m["to"], m["body"]) for m in twilio.messages] == [
        (PHONE, "Hi, this is Carmen from the city. Yes, it opens at 9.")
    ]
    reply = AssistantMessage.objects.get(sent_by=carmen)
    assert reply.direction == "out" and reply.send_status == "sent" and reply.provider_message_id
    assert reply.handled_as == "staff"
    conversation.refresh_from_db()
    assert conversation.taken_over_by == carmen  # replying took it over: the bot stays quiet
    thread = page_text(comms.get(f"{INBOX}{conversation.pk}/"))
    assert "Carmen Staff" in thread and "Yes, it opens at 9." in thread


def test_each_page_view_gets_a_new_key_so_two_replies_are_two_texts(comms, twilio):
    conversation = sms_conversation()

    post_reply(comms, conversation, "First answer", reply_key(comms.get(f"{INBOX}{conversation.pk}/")))
    post_reply(comms, conversation, "Second answer", reply_key(comms.get(f"{INBOX}{conversation.pk}/")))

    assert [m["body"] for m in twilio.messages] == ["First answer", "Second answer"]


def test_no_text_goes_to_a_number_that_has_opted_out(comms, twilio):
    conversation = sms_conversation()
    reply_of(text("STOP"))
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))

    response = post_reply(comms, conversation, "Please call us back", key)

    assert response.status_code == 400
    assert "stopped texts" in page_text(response)
    assert twilio.message_count == 0
    assert not AssistantMessage.objects.filter(handled_as="staff").exists()


def test_no_text_goes_to_a_suppressed_number(carmen, twilio):
    conversation = sms_conversation()
    Suppression.objects.create(channel="sms", value=PHONE, reason=Suppression.Reason.FAILED)

    with pytest.raises(InboxReplyRefused):
        inbox_reply(conversation_id=conversation.pk, staff=carmen, body="Hello", idempotency_key="k" * 20)

    assert twilio.message_count == 0


def test_a_reply_too_long_for_the_segment_budget_is_refused_not_cut(comms, twilio, settings):
    settings.SMS_MAX_SEGMENTS = 1
    conversation = sms_conversation()
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))

    response = post_reply(comms, conversation, "word " * 60, key)

    assert response.status_code == 400 and "Too long for a text" in page_text(response)
    assert twilio.message_count == 0


def test_an_empty_reply_is_refused(comms, twilio):
    conversation = sms_conversation()
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))

    response = post_reply(comms, conversation, "   ", key)

    assert response.status_code == 400 and "Write a reply first." in page_text(response)


def test_a_provider_hiccup_is_shown_and_sending_the_same_form_again_texts_once(comms, twilio):
    conversation = sms_conversation()
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))
    twilio.server_error_next(1)

    failed = post_reply(comms, conversation, "We are on it", key)
    stored = AssistantMessage.objects.get(handled_as="staff")
    retried = post_reply(comms, conversation, "We are on it", key)

    assert failed.status_code == 400 and "Send it again to retry" in page_text(failed)
    assert reply_key(failed) == key  # the form keeps its key: sending again is the same reply
    assert stored.send_status == "failed"
    assert retried.status_code == 302
    assert [m["body"] for m in twilio.messages] == ["We are on it"]
    stored.refresh_from_db()
    assert stored.send_status == "sent" and AssistantMessage.objects.filter(handled_as="staff").count() == 1


def test_a_key_from_another_conversation_s_form_is_refused(carmen, twilio):
    first, second = sms_conversation(), sms_conversation(OTHER_PHONE)
    inbox_reply(conversation_id=first.pk, staff=carmen, body="Hello", idempotency_key="k" * 20)

    with pytest.raises(InboxReplyRefused):
        inbox_reply(conversation_id=second.pk, staff=carmen, body="Hello", idempotency_key="k" * 20)

    assert twilio.message_count == 1


# ----------------------------------------------------------------------------------------------- web chat


def test_a_web_chat_taken_over_gets_the_staff_reply_in_the_visitor_s_chat(comms):
    visitor = Client()
    visitor.post("/assistant/", {"message": "Can a person help me with my water bill?"})
    conversation = Conversation.objects.get(channel="web")
    comms.post(f"{INBOX}{conversation.pk}/take-over/")

    visitor.post("/assistant/", {"message": "Hello? Anyone?"})
    unanswered = conversation.messages.latest("id")
    key = reply_key(comms.get(f"{INBOX}{conversation.pk}/"))
    post_reply(comms, conversation, "Hi, I'm Carmen. I can help with your water bill.", key)

    assert unanswered.direction == "in" and unanswered.handled_as == "taken_over"
    chat = page_text(visitor.get("/assistant/"))
    assert "Hi, I&#x27;m Carmen. I can help with your water bill." in chat
    assert "City staff:" in chat and "staff is answering you here now" in chat
    assert AssistantMessage.objects.get(handled_as="staff").send_status == "sent"
    comms.post(f"{INBOX}{conversation.pk}/hand-back/")
    assert "staff is answering you here now" not in page_text(visitor.get("/assistant/"))


def test_help_is_still_answered_in_a_web_chat_taken_over(comms):
    visitor = Client()
    visitor.post("/assistant/", {"message": "Hello"})
    conversation = Conversation.objects.get(channel="web")
    comms.post(f"{INBOX}{conversation.pk}/take-over/")

    visitor.post("/assistant/", {"message": "HELP"})

    assert conversation.messages.latest("id").handled_as == "help"


# ------------------------------------------------------------------------------------------ canned replies


def test_canned_replies_are_seeded_in_english_and_spanish():
    # The migration's seed, run here: a transactional test earlier in this process may have flushed its rows.
    from importlib import import_module

    from django.apps import apps

    InboxCannedReply.objects.all().delete()
    import_module("civicloop.assistant.migrations.0002_inbox").canned_replies_seed(apps, None)
    canned = list(InboxCannedReply.objects.all())

    assert len(canned) >= 3 and all(item.body_en and item.body_es for item in canned)


def test_a_canned_reply_fills_the_reply_in_the_conversation_s_language_without_javascript(comms):
    conversation = sms_conversation()
    Conversation.objects.filter(pk=conversation.pk).update(language="es")
    canned = InboxCannedReply.objects.create(title="Gracias", body_en="Thank you!", body_es="¡Gracias!")
    url = f"{INBOX}{conversation.pk}/"

    page = page_text(comms.get(url))
    spanish = page_text(comms.get(url, {"canned": canned.pk}))
    english = page_text(comms.get(url, {"canned": canned.pk, "lang": "en"}))

    assert f'href="?canned={canned.pk}&amp;lang=es#reply"' in page
    assert re.search(r"<textarea[^>]*>\s*¡Gracias!</textarea>", spanish)
    assert re.search(r"<textarea[^>]*>\s*Thank you!</textarea>", english)


def test_an_unknown_canned_reply_leaves_the_reply_empty(comms):
    conversation = sms_conversation()

    page = page_text(comms.get(f"{INBOX}{conversation.pk}/", {"canned": "987654"}))

    assert re.search(r"<textarea[^>]*>\s*</textarea>", page)
