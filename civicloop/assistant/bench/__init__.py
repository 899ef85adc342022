"""`civicloop bench sms`: the SMS assistant's Twilio webhook under concurrent load, served by granian.

The demo city's assistant is loaded into the (throwaway) database: topics, community areas, the 311
services and their definitions, a few hundred 311 requests (for STATUS) and the 104 FAQ entries with
their embeddings, computed once here. FAQ retrieval (`selectors.faq_reply`: the question's embedding,
the search, the reply's wording) is timed in this process first, the model loaded and warmed once.

granian (or gunicorn) then serves the app as `bench open311` does, with a Twilio auth token and a
public URL (SITE_URL) in its environment, and every message is a POST to /sms/twilio/inbound signed
with Twilio's own `RequestValidator`, as Twilio signs it. The messages come in sessions, each one
resident's texts in order (a session waits for that number's previous one), on `connections`
keep-alive connections that each take the next session as soon as they finish one:

- about 40 % FAQ questions in residents' own words, English and Spanish, one or two a session;
- about 20 % keywords: HELP, ALERTS, LANG ES / EN, MENU, STATUS <a request's number>, their Spanish;
- about 10 % STOP, each followed later (sessions apart) by START from the same number;
- about 30 % 311 reports by text: "pothole on 35th and Halsted" and the answers to what follows.

Every message has its own MessageSid, but a small share is sent twice, as Twilio retries a webhook,
and the retry must get the same reply back. Every answer must be 200 with TwiML; anything else is
an error. `/healthz` is driven on the same server by the same generator, for the ratio.

One module per part: residents' wording (texts), the plan of sessions and their signatures (plan),
driving the server (driver), FAQ retrieval timed here (faq_timing) and the run and its report (run).
Everything callers use is importable from here.
"""

from civicloop.assistant.bench.driver import SmsMeasurement, _is_twiml, sessions_drive
from civicloop.assistant.bench.faq_timing import faq_retrieval_measure
from civicloop.assistant.bench.plan import (
    ACCOUNT_SID,
    CITY_NUMBER,
    INBOUND_PATH,
    PHONE_PREFIX,
    PHONES_MAX,
    RETRY_SHARE,
    SEED,
    SITE_URL,
    STOP_GAP_SESSIONS,
    Session,
    Text,
    phone_numbers,
    sessions_plan,
    signed_request,
    twilio_params,
)
from civicloop.assistant.bench.run import (
    STATUS_REQUESTS,
    TARGET_FAQ_P99_MS,
    TARGET_MESSAGES_PER_SECOND,
    TARGET_P99_MS,
    model_threads,
    run_sms,
    targets_met,
)
from civicloop.assistant.bench.texts import (
    ENDINGS,
    FAQ_QUESTIONS,
    INTAKE_SCRIPTS,
    KEYWORDS,
    MIX,
    OPENERS,
    _faq_text,
    _keyword_text,
)

__all__ = [
    "ACCOUNT_SID",
    "CITY_NUMBER",
    "ENDINGS",
    "FAQ_QUESTIONS",
    "INBOUND_PATH",
    "INTAKE_SCRIPTS",
    "KEYWORDS",
    "MIX",
    "OPENERS",
    "PHONES_MAX",
    "PHONE_PREFIX",
    "RETRY_SHARE",
    "SEED",
    "SITE_URL",
    "STATUS_REQUESTS",
    "STOP_GAP_SESSIONS",
    "TARGET_FAQ_P99_MS",
    "TARGET_MESSAGES_PER_SECOND",
    "TARGET_P99_MS",
    "Session",
    "SmsMeasurement",
    "Text",
    "_faq_text",
    "_is_twiml",
    "_keyword_text",
    "faq_retrieval_measure",
    "model_threads",
    "phone_numbers",
    "run_sms",
    "sessions_drive",
    "sessions_plan",
    "signed_request",
    "targets_met",
    "twilio_params",
]
