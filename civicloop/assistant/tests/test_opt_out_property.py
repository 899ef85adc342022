"""Property: whatever a number texts, in any order, no text reaches it while it is opted out,
except the one confirmation of its opt-out and, once, the sentence on how to start again."""

from itertools import count

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civicloop.assistant.models import AssistantMessage
from civicloop.assistant.services.compliance import (
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    keyword_of,
    plain_words_opt_out,
)
from civicloop.assistant.tests.test_inbound_sms import queue_update, reply_of, send_queued_texts, text

pytestmark = pytest.mark.django_db

OPT_OUTS = [
    "STOP",
    "stop!",
    "Unsubscribe",
    "PARAR",
    "baja",
    "stop texting me please",
    "ya no me manden mensajes",
]
OPT_INS = ["START", "yes", "UNSTOP", "Sí"]
OTHERS = [
    "HELP",
    "AYUDA",
    "hello",
    "pothole on 35th and Halsted",
    "",
    "🙂",
    "STATUS 2026-00001",
    "stop sign down",
]
EVENTS = st.one_of(
    st.sampled_from(OPT_OUTS + OPT_INS + OTHERS).map(lambda body: ("text", body)),
    # No NUL: no SMS carries one, and the site refuses any request holding one (core.null_bytes).
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40).map(
        lambda body: ("text", body)
    ),
    st.just(("city sends", "")),
)
_numbers = count(1000)


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.SITE_URL = "https://city.example.org"
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token-for-tests-0123"
    settings.SMS_QUIET_HOURS = ""


def _opts_out(body: str) -> bool:
    word = keyword_of(body)
    return any(word in words for words in OPT_OUT_WORDS.values()) or plain_words_opt_out(body) is not None


def _opts_in(body: str) -> bool:
    return any(keyword_of(body) in words for words in OPT_IN_WORDS.values())


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(EVENTS, min_size=1, max_size=12))
def test_no_text_reaches_a_number_while_it_is_opted_out(events):
    phone = f"+1312555{next(_numbers):04d}"
    opted_out = False
    replies_while_out: list[str] = []
    for kind, body in events:
        if kind == "city sends":
            queue_update(phone)
            reached = send_queued_texts()
            assert reached == ([] if opted_out else [phone])
            continue
        was_out = opted_out
        reply = reply_of(text(body, phone=phone))
        handled_as = (
            AssistantMessage.objects.filter(conversation__phone=phone, direction="in")
            .values_list("handled_as", flat=True)
            .last()
        )
        if _opts_out(body):
            opted_out = True
        elif _opts_in(body) and was_out:
            opted_out = False
        if was_out or opted_out:
            if reply:
                replies_while_out.append(handled_as or "")
            if not opted_out:  # START: a new period begins, with its own allowance
                replies_while_out = []
        assert handled_as != "opt_out" or not was_out  # confirmed once per opt-out
    assert replies_while_out.count("opt_out") <= 1
    assert replies_while_out.count("start_hint") <= 1
    assert set(replies_while_out) <= {"opt_out", "start_hint"}
