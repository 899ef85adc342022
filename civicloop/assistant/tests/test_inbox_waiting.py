"""Which conversations wait for staff (`Conversation.needs_answer`): kept by every path that stores a
message, so that the inbox counts and filters them from an index; the one-UPDATE refresh (used by the
migration and the benchmark's fill) agrees with what the paths kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.assistant.models import Conversation
from civicloop.assistant.services.conversations import needs_answer_refresh
from civicloop.assistant.services.inbox import inbox_reply, inbox_take_over
from civicloop.assistant.services.social_inbox import InboundSocialMessage, social_messages_store
from civicloop.assistant.services.web import web_message_handle
from civicloop.assistant.tests.test_inbox import (  # noqa: F401 (_settings: the signed webhook's)
    INBOX,
    OTHER_PHONE,
    _settings,
    make_staff,
    page_text,
    signed_in,
    sms_conversation,
)

pytestmark = pytest.mark.django_db


def waiting(conversation: Conversation) -> bool:
    return Conversation.objects.values_list("needs_answer", flat=True).get(pk=conversation.pk)


def mention(remote_id: str, minutes_ago: int) -> InboundSocialMessage:
    return InboundSocialMessage(
        channel="mastodon",
        remote_id=remote_id,
        author_id="109",
        author_handle="ana@example.social",
        thread_id="post-1",
        text=f"Mention {remote_id}",
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_each_message_path_keeps_whether_the_conversation_waits_and_the_refresh_agrees():
    carmen = make_staff("carmen")
    answered_by_bot = sms_conversation(body="HELP")
    taken_over = sms_conversation(phone=OTHER_PHONE, body="First")
    inbox_take_over(conversation_id=taken_over.pk, staff=carmen)
    sms_conversation(phone=OTHER_PHONE, body="Is anyone there?")  # staff have it: the assistant is quiet
    web_message_handle(web_key="visitor-1", body="HELP", language="en")
    web = Conversation.objects.get(channel="web")
    social_messages_store([mention("m1", minutes_ago=10)], moment=timezone.now())
    social = Conversation.objects.get(channel="mastodon")

    assert not waiting(answered_by_bot) and not waiting(web)
    assert waiting(taken_over) and waiting(social)
    inbox_take_over(conversation_id=web.pk, staff=carmen)
    web_message_handle(web_key="visitor-1", body="Is the pool open on Sunday?", language="en")
    assert waiting(web)
    inbox_reply(conversation_id=web.pk, staff=carmen, body="Yes, from 9 am.", idempotency_key="k1")
    assert not waiting(web)
    social_messages_store([mention("m0", minutes_ago=20)], moment=timezone.now())  # older, arriving late
    social_messages_store([mention("m2", minutes_ago=0)], moment=timezone.now())
    assert waiting(social)

    kept = dict(Conversation.objects.values_list("pk", "needs_answer"))
    Conversation.objects.update(needs_answer=False)
    assert needs_answer_refresh() == len(kept)
    assert dict(Conversation.objects.values_list("pk", "needs_answer")) == kept


def test_the_inbox_counts_and_lists_the_waiting_conversations_from_the_kept_column():
    carmen = make_staff("carmen")
    sms_conversation(body="HELP")
    asks = sms_conversation(phone=OTHER_PHONE, body="First")
    inbox_take_over(conversation_id=asks.pk, staff=carmen)
    sms_conversation(phone=OTHER_PHONE, body="When is pickup?")

    listing = page_text(signed_in(carmen).get(INBOX, {"state": "needs_answer"}))

    assert "1 conversation is waiting for an answer." in listing
    assert f'href="/staff/inbox/{asks.pk}/"' in listing
