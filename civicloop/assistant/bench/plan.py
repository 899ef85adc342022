"""The plan of `civicloop bench sms`: fictional numbers, their texts in sessions in the order to send them,
and each text as Twilio posts and signs it."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from civicloop.assistant.bench.texts import INTAKE_SCRIPTS, MIX, _faq_text, _keyword_text
from civicloop.assistant.webhook_urls import TWILIO_INBOUND_PATH

# The public URL Twilio would call (the bench server's SITE_URL): the signature covers it, not the port.
SITE_URL = "https://sms-bench.civicloop.example.org"
INBOUND_PATH = "/" + TWILIO_INBOUND_PATH
CITY_NUMBER = "+13125550100"
ACCOUNT_SID = "AC" + "0" * 32
PHONE_PREFIX = "+1312555"  # fictional Chicago numbers, +1312555xxxx
PHONES_MAX = 9000  # timed numbers; warm-up numbers come from the 9000-9999 block
RETRY_SHARE = 0.02  # messages sent twice with the same MessageSid, as Twilio retries
STOP_GAP_SESSIONS = 3  # times the connections: how many sessions later START follows STOP
SEED = 2026


@dataclass(frozen=True)
class Text:
    """One inbound message as Twilio posts it: its MessageSid, number, body, and its kind in the mix."""

    sid: str
    phone: str
    body: str
    kind: str
    retry: bool = False


@dataclass
class Session:
    """One resident's texts, sent in order on one connection."""

    phone: str
    texts: list[Text] = field(default_factory=list)


def phone_numbers(count: int, *, first: int = 0) -> list[str]:
    """`count` fictional Chicago mobile numbers in E.164, +1312555xxxx from xxxx = `first`."""
    if first + count > 10_000:
        raise ValueError("at most 10,000 numbers of the form +1312555xxxx")
    return [f"{PHONE_PREFIX}{n:04d}" for n in range(first, first + count)]


def sessions_plan(
    *, messages: int, phones: Sequence[str], status_ids: Sequence[str], connections: int, seed: int = SEED
) -> list[Session]:
    """`messages` texts (the retries on top) from `phones`, in sessions, in the order to send them.

    The mix follows MIX by messages. A tenth of the numbers only text STOP and, about
    STOP_GAP_SESSIONS x `connections` sessions later, START (a number stops again only after its
    START); the other numbers take the other sessions in turn.
    """
    if messages < 1 or len(phones) < 2:
        raise ValueError("at least 1 message and 2 numbers")
    rng = random.Random(seed)
    stop_pairs = round(messages * MIX["stop_start"] / 2)
    wanted = {"faq": round(messages * MIX["faq"]), "keyword": round(messages * MIX["keyword"])}
    wanted["intake"] = max(messages - 2 * stop_pairs - wanted["faq"] - wanted["keyword"], 0)
    stop_phones = list(phones[: max(1, len(phones) // 10)])
    other_phones = list(phones[len(stop_phones) :])
    bodies: list[tuple[str, list[str]]] = []
    for kind, count in wanted.items():
        while count > 0:
            if kind == "faq":
                texts = [_faq_text(rng) for _ in range(min(count, rng.choice([1, 1, 2])))]
            elif kind == "keyword":
                texts = [_keyword_text(rng, status_ids)]
            else:
                texts = rng.choice(INTAKE_SCRIPTS)[:count]
            bodies.append((kind, texts))
            count -= len(texts)
    rng.shuffle(bodies)
    # On a time line from 0 to 1: the other sessions evenly, each STOP at random and its START `gap` later,
    # from a number whose last START is past (the least recently used one if none is).
    gap = min(STOP_GAP_SESSIONS * connections / (len(bodies) + 2 * stop_pairs), 0.5)
    events = [
        (n / len(bodies), other_phones[n % len(other_phones)], "", texts)
        for n, (_, texts) in enumerate(bodies)
    ]
    kinds = [kind for kind, _ in bodies]
    free_at = dict.fromkeys(stop_phones, -1.0)
    for moment in sorted(rng.uniform(0, 1 - gap) for _ in range(stop_pairs)):
        phone = min(free_at, key=lambda number: (free_at[number] >= moment, free_at[number]))
        free_at[phone] = moment + gap
        events += [(moment, phone, "a", ["STOP"]), (moment + gap, phone, "b", ["START"])]
        kinds += ["stop_start", "stop_start"]
    order = sorted(range(len(events)), key=lambda n: events[n][:3])
    sessions = []
    sid = 0
    for n in order:
        session = Session(phone=events[n][1])
        for body in events[n][3]:
            sid += 1
            text = Text(sid=f"SM{seed:08x}{sid:024x}", phone=session.phone, body=body, kind=kinds[n])
            session.texts.append(text)
            if rng.random() < RETRY_SHARE:
                session.texts.append(Text(text.sid, text.phone, text.body, text.kind, retry=True))
        sessions.append(session)
    return sessions


def twilio_params(text: Text) -> dict[str, str]:
    """The fields Twilio posts for an incoming SMS."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": text.body,
        "From": text.phone,
        "FromCity": "CHICAGO",
        "FromCountry": "US",
        "FromState": "IL",
        "MessageSid": text.sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": text.sid,
        "SmsSid": text.sid,
        "SmsStatus": "received",
        "To": CITY_NUMBER,
    }


def signed_request(text: Text, *, validator: RequestValidator, host: str) -> bytes:
    """The raw HTTP/1.1 POST of one message, signed as Twilio signs it (the public URL and the params)."""
    params = twilio_params(text)
    signature = validator.compute_signature(SITE_URL + INBOUND_PATH, params)
    body = urlencode(params).encode()
    head = (
        f"POST {INBOUND_PATH} HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n"
        "User-Agent: TwilioProxy/1.1\r\n\r\n"
    )
    return head.encode() + body
