"""From conversation to action: staff post a resident's message as an idea on an open question, in the
resident's name, through engage's own checks, and the resident hears of it where they wrote from."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicloop.accounts.models import Role
from civicloop.assistant.models import AssistantMessage, Conversation, InboxEvent, InboxIdea
from civicloop.assistant.tests.test_inbound_sms import PHONE
from civicloop.assistant.tests.test_inbox import carmen, comms, make_staff, signed_in  # noqa: F401
from civicloop.assistant.tests.test_whatsapp import CITY_WHATSAPP, WHATSAPP, twilio  # noqa: F401
from civicloop.engage.models import Idea, ModerationState, Participant
from civicloop.engage.tests.conftest import HOLD_WORD, make_question, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""
    settings.MODERATION_CHECK = "civicloop.engage.tests.conftest.WordCivilityCheck"
    cache.clear()  # engage's posting limits live in the cache
    yield
    cache.clear()


@pytest.fixture
def question():
    return make_question(make_space(), text="How should we improve our parks?")


def resident_writes(
    channel: str = "whatsapp", body: str = "", *, language: str = "es", **where
) -> Conversation:
    moment = timezone.now()
    where = where or ({"phone": PHONE} if channel in ("sms", "whatsapp") else {"web_key": "visitor-1"})
    conversation = Conversation.objects.create(
        channel=channel, language=language, created_at=moment, last_message_at=moment, **where
    )
    AssistantMessage.objects.create(
        conversation=conversation,
        direction=AssistantMessage.Direction.IN,
        body=body or "Más bancas y sombra en el parque Piotrowski, por favor",
        created_at=moment,
    )
    return conversation


def form_key(response) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode())
    assert found, "the idea form carries its idempotency key"
    return found.group(1)


def post_idea(client, conversation: Conversation, chosen, *, key: str, follow: bool = False, **fields):
    data = {
        "question": chosen.pk,
        "title": "Bancas y sombra",
        "body": "Más bancas y sombra",
        "idempotency_key": key,
    }
    return client.post(f"/staff/inbox/{conversation.pk}/idea/", data | fields, follow=follow)


def test_staff_post_a_whatsapp_message_as_the_residents_idea_and_they_hear_on_whatsapp_in_spanish(
    comms,  # noqa: F811
    twilio,  # noqa: F811
    question,
):
    conversation = resident_writes()
    page = comms.get(f"/staff/inbox/{conversation.pk}/idea/")
    text = page.content.decode()
    assert page.status_code == 200 and "Más bancas y sombra en el parque Piotrowski" in text  # prefilled
    assert f'value="{question.pk}"' in text

    posted = post_idea(comms, conversation, question, key=form_key(page))

    assert posted.status_code == 302
    idea = Idea.objects.get()
    assert idea.question == question and idea.moderation_state == ModerationState.PUBLISHED
    author = idea.author
    assert author.contact_point is not None
    assert author.contact_point.kind == "whatsapp" and author.contact_point.value == PHONE
    assert author.confirmed_at is not None and author.user_id is None
    assert InboxIdea.objects.get().conversation == conversation
    assert InboxEvent.objects.get(conversation=conversation, kind="idea").detail.startswith(
        f"Idea #{idea.pk} on"
    )
    [sent] = twilio.messages
    assert sent["to"] == WHATSAPP and sent["from"] == CITY_WHATSAPP
    assert f"https://city.example.org/ideas/{idea.pk}/" in sent["body"] and "Gracias" in sent["body"]
    thread = comms.get(f"/staff/inbox/{conversation.pk}/").content.decode()
    assert f"Idea #{idea.pk} on How should we improve our parks?" in thread
    assert f'href="/ideas/{idea.pk}/"' in thread


def test_the_same_form_posted_twice_makes_one_idea_and_one_message(comms, twilio, question):  # noqa: F811
    conversation = resident_writes()
    key = form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/"))

    first = post_idea(comms, conversation, question, key=key)
    second = post_idea(comms, conversation, question, key=key, follow=True)

    assert first.status_code == 302 and second.status_code == 200
    assert "already been posted" in second.content.decode()
    assert Idea.objects.count() == 1 and InboxIdea.objects.count() == 1 and len(twilio.messages) == 1


def test_a_known_participant_keeps_their_name_and_a_second_idea_is_theirs_too(comms, twilio, question):  # noqa: F811
    conversation = resident_writes()
    for n in range(2):
        key = form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/"))
        post_idea(comms, conversation, question, key=key, title=f"Idea {n}")

    assert Participant.objects.count() == 1
    assert set(Idea.objects.values_list("author__display_name", flat=True)) == {"Un residente, por WhatsApp"}


def test_an_uncivil_idea_stays_held_and_the_resident_is_told_it_waits_for_a_moderator(
    comms,  # noqa: F811
    twilio,  # noqa: F811
    question,
):
    conversation = resident_writes(language="en")
    key = form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/"))

    posted = post_idea(
        comms, conversation, question, key=key, body=f"The {HOLD_WORD} never fix the park", follow=True
    )

    assert Idea.objects.get().moderation_state == ModerationState.HELD
    assert "held for a moderator" in posted.content.decode()
    [sent] = twilio.messages
    assert "once a moderator has read it" in sent["body"]


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"body": "   "},
        {"title": "x" * 151},
        {"body": "x" * 5001},
        {"question": "999999"},
        {"question": "closed"},
        {"question": "staff-only"},
        {"idempotency_key": ""},
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(comms, twilio, question, change):  # noqa: F811
    conversation = resident_writes()
    key = form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/"))
    now = timezone.now()
    if change.get("question") == "closed":
        closed = make_question(question.space, text="Closed", opens_at=now - timedelta(days=9), closes_at=now)
        change = {"question": closed.pk}
    elif change.get("question") == "staff-only":
        change = {"question": make_question(make_space("staff", title="Staff"), text="Inside").pk}

    refused = post_idea(comms, conversation, question, key=key, **change)

    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()
    assert not Idea.objects.exists() and not Participant.objects.exists() and not InboxIdea.objects.exists()
    assert not InboxEvent.objects.exists() and twilio.messages == []


def test_a_web_chat_resident_with_no_contact_gets_a_participant_for_the_conversation_and_hears_in_the_chat(
    comms,  # noqa: F811
    question,
):
    conversation = resident_writes("web", "Call me at 312-555-0199: the park needs shade", language="en")
    page = comms.get(f"/staff/inbox/{conversation.pk}/idea/")
    assert 'id="no-contact"' in page.content.decode()
    assert "312-555-0199" not in page.content.decode()  # the idea is public: numbers they typed are masked

    post_idea(comms, conversation, question, key=form_key(page))
    key = form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/"))
    post_idea(comms, conversation, question, key=key, title="Another")

    author = Participant.objects.get()
    assert author.contact_point is None and author.user is None
    assert author.relayed_from == f"inbox-conversation-{conversation.pk}"
    assert author.display_name == "A resident, by Web chat"
    told = AssistantMessage.objects.filter(conversation=conversation, direction="out")
    assert told.count() == 2 and all("/ideas/" in message.body for message in told)


def test_whatsapp_rules_refuse_the_message_the_idea_stands_and_the_page_says_why(comms, twilio, question):  # noqa: F811
    conversation = resident_writes()
    AssistantMessage.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    key = form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/"))

    posted = post_idea(comms, conversation, question, key=key, follow=True)

    text = posted.content.decode()
    assert Idea.objects.count() == 1 and twilio.messages == []
    assert "The resident could not be told" in text and "24 hours" in text
    assert "24 hours" in InboxIdea.objects.get().not_told_reason
    assert InboxEvent.objects.filter(kind="idea", detail__contains="could not be told").exists()


def test_the_chosen_messages_prefill_the_idea(comms, question):  # noqa: F811
    conversation = resident_writes(body="First: the benches are broken")
    later = AssistantMessage.objects.create(
        conversation=conversation,
        direction=AssistantMessage.Direction.IN,
        body="Second: and there is no shade",
        created_at=timezone.now() + timedelta(seconds=5),
    )
    first = AssistantMessage.objects.filter(conversation=conversation).earliest("created_at")

    chosen = comms.get(f"/staff/inbox/{conversation.pk}/idea/?message={first.pk}").content.decode()
    both = comms.get(
        f"/staff/inbox/{conversation.pk}/idea/?message={first.pk}&message={later.pk}"
    ).content.decode()
    latest = comms.get(f"/staff/inbox/{conversation.pk}/idea/").content.decode()

    assert "First: the benches" in chosen and "Second:" not in chosen
    assert both.index("First: the benches") < both.index("Second: and there is no shade")
    assert "Second: and there is no shade" in latest and "First:" not in latest
    thread = comms.get(f"/staff/inbox/{conversation.pk}/").content.decode()
    assert f"/staff/inbox/{conversation.pk}/idea/?message={later.pk}" in thread


def test_the_idea_is_in_the_conversations_record(comms, twilio, question):  # noqa: F811
    conversation = resident_writes()
    post_idea(comms, conversation, question, key=form_key(comms.get(f"/staff/inbox/{conversation.pk}/idea/")))

    record = comms.get(f"/staff/inbox/{conversation.pk}/record.csv").content.decode()

    assert "Turned into an idea" in record and f"Idea #{Idea.objects.get().pk} on" in record


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.DEPARTMENT])
def test_staff_who_do_not_answer_residents_cannot_post_ideas_from_the_inbox(question, role):
    conversation = resident_writes()
    client = signed_in(make_staff("someone", role))

    shown = client.get(f"/staff/inbox/{conversation.pk}/idea/")
    posted = post_idea(client, conversation, question, key="k" * 32)

    assert shown.status_code == 403 and posted.status_code == 403 and not Idea.objects.exists()


def test_an_unknown_conversation_is_not_found(comms, question):  # noqa: F811
    assert comms.get("/staff/inbox/999999/idea/").status_code == 404
