"""The conversation engine by text and on the web: answers, menus, STATUS, LANG, MENU, idle expiry."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.assistant.models import AssistantMessage, Conversation
from civicloop.assistant.services.knowledge import faq_import
from civicloop.assistant.tests.test_inbound_sms import reply_of, text
from civicloop.assistant.tests.test_knowledge import SMALL, demo_entries
from civicloop.servicerequests.services import RequestInput, service_request_create
from civicloop.servicerequests.tests.conftest import catalogue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""
    from civicloop.assistant import selectors

    selectors.faq_index_forget()
    yield
    selectors.faq_index_forget()


@pytest.fixture
def small_faq(db, monkeypatch):
    # Keywords only: fast, and the same decisions the engine must route whatever the model says.
    from civicloop.moderation import checks

    def unavailable(texts):
        raise OSError("no model on this machine")

    monkeypatch.setattr(checks, "text_embed", unavailable)
    return faq_import(demo_entries(SMALL))


def test_a_spanish_speaker_asks_when_garbage_is_collected_and_gets_the_answer(small_faq):
    reply = reply_of(text("cuando recogen la basura en mi casa"))

    assert "basura" in reply and "/assistant/faq/garbage-day-es/" in reply
    assert AssistantMessage.objects.get(direction="in").handled_as == "faq_answer"


def test_a_question_with_no_answer_hands_over_to_311(small_faq):
    reply = reply_of(text("can I bring my pet iguana to the zoo"))

    assert "311" in reply


def test_status_answers_a_request_s_public_status(catalogue):  # noqa: F811
    request = service_request_create(
        data=RequestInput(
            service_code=catalogue["Pothole in Street Complaint"].code,
            attributes={"WHEREIST": ["TRAFFIC"]},
            email="private.person@example.org",
            latitude="41.8575",
            longitude="-87.6563",
        )
    )

    found = reply_of(text(f"STATUS {request.public_id}"))
    spanish = reply_of(text(f"estado {request.public_id.lower()}"))
    missing = reply_of(text("STATUS 26-99999999"))

    assert request.public_id in found and "Pothole" in found and f"/requests/{request.public_id}/" in found
    assert "private.person" not in found and request.public_id in spanish
    assert "26-99999999" in missing and "/requests/" in missing


def test_lang_es_switches_the_conversation_to_spanish(small_faq):
    switched = reply_of(text("LANG ES"))

    assert Conversation.objects.get().language == "es"
    assert switched


def test_menu_starts_over_and_a_number_picks_from_the_menu_offered(small_faq, monkeypatch):
    from civicloop.assistant import selectors
    from civicloop.assistant.selectors import FaqMatch, FaqReply

    choices = [
        FaqMatch(0, external_id, "", "", "en", 0.3) for external_id in ("garbage-day-en", "pothole-en")
    ]
    offered = FaqReply(kind="menu", text="1 Garbage 2 Pothole", confidence=0.3, menu=choices)
    monkeypatch.setattr(selectors, "faq_reply", lambda *args, **kwargs: offered)

    menu = reply_of(text("trash or holes?"))
    picked = reply_of(text("2"))
    again = reply_of(text("MENU"))

    conversation = Conversation.objects.get()
    assert menu == "1 Garbage 2 Pothole" and "/assistant/faq/pothole-en/" in picked
    assert "STATUS" in again and conversation.step == ""


def test_an_idle_conversation_forgets_its_menu_and_says_so(small_faq):
    reply_of(text("trash"))
    Conversation.objects.update(step="faq_menu", context={"menu": ["pothole-en"]})
    Conversation.objects.update(last_message_at=timezone.now() - timedelta(hours=3))

    reply = reply_of(text("1"))

    assert "started over" in reply and Conversation.objects.get().step in ("", "faq_menu")


# ------------------------------------------------------------------------------------------------ web


def test_the_web_assistant_answers_with_a_plain_form(small_faq):
    browser = Client()
    page = browser.get("/assistant/")
    sent = browser.post("/assistant/", {"message": "When is my garbage picked up?"})
    browser.post("/assistant/", {"message": "1"})  # keywords alone offer a menu for this one
    shown = browser.get("/assistant/").content.decode()

    assert page.status_code == 200 and 'name="message"' in page.content.decode()
    assert sent.status_code == 302 and sent["Location"] == "/assistant/#latest"
    assert "When is my garbage picked up?" in shown and "/assistant/faq/garbage-day-en/" in shown
    assert Conversation.objects.get().channel == "web"


def test_the_web_assistant_escapes_what_residents_type_and_refuses_empty_messages(small_faq):
    browser = Client()
    browser.post("/assistant/", {"message": "<script>alert(1)</script>"})
    empty = browser.post("/assistant/", {"message": "  "})
    shown = browser.get("/assistant/").content.decode()

    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;" in shown
    assert empty.status_code == 400 and AssistantMessage.objects.filter(direction="in").count() == 1


def test_two_web_visitors_never_see_each_other_s_conversation(small_faq):
    ana, ben = Client(), Client()
    ana.post("/assistant/", {"message": "pothole on my street"})

    assert "pothole on my street" not in ben.get("/assistant/").content.decode()


def test_web_messages_are_rate_limited_per_address(small_faq, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr("civicloop.assistant.views.WEB_MESSAGES_PER_ADDRESS", 2)
    browser = Client()
    codes = [browser.post("/assistant/", {"message": f"question {n}"}).status_code for n in range(3)]
    cache.clear()

    assert codes == [302, 302, 429]


def test_the_web_conversation_page_costs_constant_queries(small_faq, django_assert_max_num_queries):
    browser = Client()
    for n in range(5):
        browser.post("/assistant/", {"message": f"pothole {n}"})

    with django_assert_max_num_queries(3):
        browser.get("/assistant/")


def test_a_spanish_question_on_an_english_page_is_answered_in_spanish(small_faq):
    browser = Client()
    browser.post("/assistant/", {"message": "cuando recogen la basura en mi casa"}, HTTP_ACCEPT_LANGUAGE="en")

    assert Conversation.objects.get().language == ""
    assert "/assistant/faq/garbage-day-es/" in browser.get("/assistant/").content.decode()
