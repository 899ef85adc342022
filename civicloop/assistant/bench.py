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
"""

import asyncio
import os
import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from twilio.request_validator import RequestValidator

from civicloop.assistant.models import AssistantMessage, FaqEntry
from civicloop.assistant.selectors import faq_query_cache_forget, faq_reply
from civicloop.assistant.services.knowledge import faq_demo_load
from civicloop.assistant.webhook_urls import TWILIO_INBOUND_PATH
from civicloop.core.bench import _percentile
from civicloop.core.loadtest import app_serving, database_url, python_drive, response_read_whole
from civicloop.servicerequests.bench import requests_generate
from civicloop.servicerequests.models import ServiceRequest

TARGET_MESSAGES_PER_SECOND = 300.0
TARGET_P99_MS = 150.0
TARGET_FAQ_P99_MS = 30.0
# The public URL Twilio would call (the bench server's SITE_URL): the signature covers it, not the port.
SITE_URL = "https://sms-bench.civicloop.example.org"
INBOUND_PATH = "/" + TWILIO_INBOUND_PATH
CITY_NUMBER = "+13125550100"
ACCOUNT_SID = "AC" + "0" * 32
PHONE_PREFIX = "+1312555"  # fictional Chicago numbers, +1312555xxxx
PHONES_MAX = 9000  # timed numbers; warm-up numbers come from the 9000-9999 block
STATUS_REQUESTS = 200  # 311 requests loaded so that STATUS has something to find
RETRY_SHARE = 0.02  # messages sent twice with the same MessageSid, as Twilio retries
STOP_GAP_SESSIONS = 3  # times the connections: how many sessions later START follows STOP
SEED = 2026

MIX = {"faq": 0.4, "keyword": 0.2, "stop_start": 0.1, "intake": 0.3}

# Residents' wording of questions the demo FAQ answers (and a few it does not): short, informal, misspelt.
FAQ_QUESTIONS = {
    "en": [
        "what day do they pick up garbage on my block",
        "garbage truck never came today",
        "is recycling every week or every other week",
        "can glass bottles go in the blue cart",
        "my garbage cart got stolen how do i get another",
        "how do i get rid of an old couch",
        "where can i drop off old paint and batteries",
        "when do they sweep my street",
        "my car got towed where is it",
        "where is the snow parking ban",
        "do i have to shovel the sidewalk in front of my building",
        "where can i go to warm up tonight",
        "is there a cooling center near me",
        "rats everywhere in the alley what can the city do",
        "how do i report a pothole",
        "the street light in front of my house is out",
        "sidewalk is cracked who fixes it",
        "can the city trim the tree in front of my house",
        "how do i pay the water bill online",
        "no water in my building since this morning",
        "how do i know if i have lead pipes",
        "do i need a city sticker if i just moved here",
        "how to contest a parking ticket",
        "how do i get a zone parking permit",
        "car has been parked on my street for weeks",
        "do i need a permit to redo my porch",
        "landlord wont turn the heat on",
        "cant pay rent this month is there help",
        "help with property tax bill",
        "how to get a business license for a food truck",
        "does my dog need a license",
        "theres a dead animal in the street",
        "neighbors party is too loud every night",
        "who removes graffiti",
        "how do i get a library card",
        "where is free wifi",
        "summer camp signups at the park district",
        "when do the pools open",
        "reduced fare cta card for my mom",
        "where to get a flu shot for free",
        "who is my alderman",
        "how do i register to vote",
        "what is the best pizza in chicago",  # nothing in the FAQ: a menu or the hand-over to 311
    ],
    "es": [
        "que dia pasa el camion de la basura",
        "no recogieron la basura hoy",
        "cada cuanto recogen el reciclaje",
        "puedo poner botellas de vidrio en el bote azul",
        "se robaron mi bote de basura",
        "como tiro un colchon viejo",
        "donde llevo pintura vieja y pilas",
        "cuando pasa la barredora en mi calle",
        "la grua se llevo mi carro",
        "donde no me puedo estacionar cuando nieva",
        "tengo que quitar la nieve de la banqueta",
        "donde hay un lugar para calentarse",
        "hace mucho calor donde me puedo refrescar",
        "hay muchas ratas en el callejon",
        "como reporto un bache",
        "el poste de luz esta apagado",
        "la banqueta esta rota quien la arregla",
        "como pago el recibo del agua",
        "no tengo agua en mi casa",
        "mis tuberias tienen plomo?",
        "necesito la calcomania para mi carro",
        "como pago una multa de estacionamiento",
        "el dueño no prende la calefaccion",
        "no me alcanza para la renta hay ayuda",
        "mi perro necesita licencia",
        "los vecinos hacen mucho ruido",
        "como saco la tarjeta de la biblioteca",
        "cuando abren las albercas",
        "vacunas gratis para mis hijos para la escuela",
        "puedo usar los servicios si no tengo papeles",
        "como me registro para votar",
        "quien es mi concejal",
    ],
}
OPENERS = {"en": ["", "", "hi ", "hello, ", "quick question: ", "pls "], "es": ["", "", "hola ", "buenas, "]}
ENDINGS = {"en": ["", "", "?", " thanks", " thx", "??"], "es": ["", "", "?", " gracias", " por favor"]}
# One keyword per text; {id} is a loaded request's number, {unknown} one that does not exist.
KEYWORDS = [
    "HELP",
    "ALERTS",
    "LANG ES",
    "LANG EN",
    "MENU",
    "STATUS {id}",
    "status {id}",
    "STATUS {unknown}",
    "AYUDA",
    "ALERTAS",
    "ESTADO {id}",
    "Info",
]
# 311 by text: the report, then answers to what the assistant asks (whatever it asks), then no photo.
INTAKE_SCRIPTS = [
    ["pothole on 35th and Halsted", "1", "about 12 inches", "last week", "no"],
    ["street light out at 18th and Blue Island", "skip", "3", "no photo"],
    ["rats in the alley behind my house", "alley, garbage carts", "no", "2100 W Cermak Rd", "no"],
    ["graffiti on my garage", "wood", "no", "on the alley side", "4500 N Kedzie Ave", "no"],
    ["abandoned car on my block", "honda", "red", "skip", "14", "Madison and Pulaski", "no"],
    ["hay un bache enorme en la 26 y Pulaski", "1", "20", "ayer", "no"],
    ["hay ratas en mi callejón", "callejón", "no", "47th y Ashland", "sin foto"],
    ["la tapa de mi bote de basura esta rota", "1", "omitir", "3300 S Morgan St", "no"],
    ["tree branches touching wires at Lawrence and Western", "parkway", "yes", "no"],
    ["REPORT", "1", "by the curb", "8", "today", "Cermak and Halsted", "no"],
]


# The plan -------------------------------------------------------------------------------------------


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


def _faq_text(rng: random.Random) -> str:
    language = "en" if rng.random() < 0.6 else "es"
    question = rng.choice(FAQ_QUESTIONS[language])
    return f"{rng.choice(OPENERS[language])}{question}{rng.choice(ENDINGS[language])}".strip()


def _keyword_text(rng: random.Random, status_ids: Sequence[str]) -> str:
    keyword = rng.choice(KEYWORDS)
    return keyword.format(id=rng.choice(status_ids) if status_ids else "26-00000001", unknown="19-99999999")


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


# Driving -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsMeasurement:
    messages: int  # answers received, retries included
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 200 with TwiML, and failed connections
    error_kinds: dict[str, int]
    retries: int
    retry_mismatches: int  # retries whose reply differed from the first one's

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def _response_read(reader: asyncio.StreamReader) -> tuple[int, str, bytes, bool]:
    """One HTTP/1.1 response: status, content type, body, and whether the connection stays open."""
    response = await response_read_whole(reader)
    content_type = next(iter(response.header_values("content-type")), "")
    return response.status, content_type, response.body, response.keep_alive


def _is_twiml(content_type: str, body: bytes) -> bool:
    return content_type.startswith("text/xml") and b"<Response" in body[:200]


async def _sessions_drive(
    port: int, sessions: Sequence[Session], requests: dict[tuple[str, bool], bytes], connections: int
) -> SmsMeasurement:
    queue = list(reversed(sessions))
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    first_replies: dict[str, bytes] = {}
    retries = mismatches = 0

    async def connection_drive() -> None:
        nonlocal retries, mismatches
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while queue:
            session = queue.pop()
            async with locks[session.phone]:  # one resident's texts one after the other
                for text in session.texts:
                    keep_alive = False
                    try:
                        if writer is None or reader is None:
                            reader, writer = await asyncio.open_connection("127.0.0.1", port)
                        started = time.perf_counter()
                        writer.write(requests[text.sid, text.retry])
                        status, content_type, body, keep_alive = await _response_read(reader)
                        latencies.append(time.perf_counter() - started)
                        if status != 200:
                            errors[f"status {status}"] += 1
                        elif not _is_twiml(content_type, body):
                            errors["not TwiML"] += 1
                        elif text.retry:
                            retries += 1
                            mismatches += first_replies.get(text.sid) != body
                        else:
                            first_replies[text.sid] = body
                    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                        errors["connection"] += 1
                        await asyncio.sleep(0.01)
                    if not keep_alive and writer is not None:
                        writer.close()
                        reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection_drive() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return SmsMeasurement(
        messages=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 0.5) * 1000 if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99) * 1000 if latencies else 0.0,
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        retries=retries,
        retry_mismatches=mismatches,
    )


def sessions_drive(
    base_url: str, sessions: Sequence[Session], *, token: str, connections: int
) -> SmsMeasurement:
    """Send every session's texts, signed with `token`, on `connections` keep-alive connections."""
    host = base_url.removeprefix("http://")
    validator = RequestValidator(token)
    requests = {
        (text.sid, text.retry): signed_request(text, validator=validator, host=host)
        for session in sessions
        for text in session.texts
    }
    port = int(host.rsplit(":", 1)[1])
    # A thread of its own, as core.loadtest.python_drive: the caller may be running an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _sessions_drive(port, sessions, requests, connections)).result()


# In-process FAQ retrieval --------------------------------------------------------------------------


def faq_retrieval_measure(queries: int, *, warmup: int = 20, seed: int = SEED) -> dict[str, Any]:
    """`faq_reply` (embedding the question, the search, the reply) on `queries` residents' questions,
    after `warmup` untimed ones (the index read, the model loaded once): p50 and p99 in ms.

    Each question is timed twice: as a question this process has never seen (its embedding cache
    emptied first: the model runs, the figure the target is about) and again right after, as a
    repeated question is answered (from the cache).
    """
    rng = random.Random(seed)
    for _ in range(warmup):
        faq_reply(_faq_text(rng), language=None)
    new, repeated = [], []
    for _ in range(queries):
        text = _faq_text(rng)
        faq_query_cache_forget()
        started = time.perf_counter()
        faq_reply(text, language=None)
        new.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        faq_reply(text, language=None)
        repeated.append((time.perf_counter() - started) * 1000)
    new.sort()
    repeated.sort()
    return {
        "faq_retrieval_p50_ms": round(_percentile(new, 0.5), 2),
        "faq_retrieval_p99_ms": round(_percentile(new, 0.99), 2),
        "faq_retrieval_repeated_p50_ms": round(_percentile(repeated, 0.5), 2),
        "faq_retrieval_repeated_p99_ms": round(_percentile(repeated, 0.99), 2),
        "faq_queries": queries,
    }


# The benchmark --------------------------------------------------------------------------------------


def model_threads() -> str:
    """The embedder's threads in each server worker: OMP_NUM_THREADS if set, else 1.

    With as many workers as CPUs, a model that also wants every CPU (OpenMP's default) waits at each
    layer for a thread another worker has taken: on this 2-CPU machine a question's embedding went
    from 17-25 ms alone to 70 ms-1 s under contention, against a steady 21-25 ms with one thread.
    """
    return os.environ.get("OMP_NUM_THREADS") or "1"


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def targets_met(report: dict[str, Any]) -> bool:
    return (
        report["errors"] == 0
        and report["retry_mismatches"] == 0
        and report["messages_per_second"] >= TARGET_MESSAGES_PER_SECOND
        and report["p99_ms"] <= TARGET_P99_MS
        and report["faq_retrieval_p99_ms"] <= TARGET_FAQ_P99_MS
    )


def run_sms(
    *,
    messages: int,
    phones: int,
    connections: int,
    warmup: int,
    healthz_seconds: int,
    faq_queries: int,
    workers: int,
    threads: int,
    server_name: str = "granian",
) -> dict[str, Any]:
    """Load the demo city's assistant, time FAQ retrieval here, then the webhook under load; the report.

    The model runs here with as many threads as in the workers, unless this process loaded it before.
    """
    threads_env = {"OMP_NUM_THREADS": model_threads()}
    with _environment(threads_env):  # read when the model is first loaded
        started = time.perf_counter()
        requests_generate(STATUS_REQUESTS)  # topics, areas, the services and their definitions, requests
        loaded = faq_demo_load()  # the FAQ's embeddings, computed once
        load_seconds = time.perf_counter() - started
        faq = faq_retrieval_measure(faq_queries)
    status_ids = list(ServiceRequest.objects.order_by("?").values_list("public_id", flat=True)[:50])
    numbers = phone_numbers(min(phones, PHONES_MAX))
    plan = sessions_plan(messages=messages, phones=numbers, status_ids=status_ids, connections=connections)
    warmup_plan = (
        sessions_plan(
            messages=warmup,
            phones=phone_numbers(1000, first=PHONES_MAX),
            status_ids=status_ids,
            connections=connections,
            seed=SEED + 1,
        )
        if warmup > 0
        else []
    )
    token = secrets.token_hex(16)
    settings_env = {"TWILIO_AUTH_TOKEN": token, "SITE_URL": SITE_URL, **threads_env}
    with app_serving(
        server=server_name,
        database=database_url(),
        workers=workers,
        threads=threads,
        settings_env=settings_env,
    ) as server:
        if warmup_plan:  # each worker loads the model and the FAQ index on its first questions
            sessions_drive(server.base_url, warmup_plan, token=token, connections=connections)
        healthz = python_drive(
            server.base_url, ["/healthz"], connections=connections, seconds=healthz_seconds
        )
        sms = sessions_drive(server.base_url, plan, token=token, connections=connections)
    sent = [text for session in plan for text in session.texts]
    handled = AssistantMessage.objects.filter(
        direction=AssistantMessage.Direction.IN, provider_message_id__in={text.sid for text in sent}
    )
    report: dict[str, Any] = {
        "suite": "sms",
        "messages": sms.messages,
        "retries": sms.retries,
        "sessions": len(plan),
        "phones": len({session.phone for session in plan}),
        "mix": dict(Counter(text.kind for text in sent if not text.retry)),
        "server": server.description,
        "generator": "python",
        "connections": connections,
        "workers": workers,
        "threads": threads,
        "model_threads": int(settings_env["OMP_NUM_THREADS"]),
        "seconds": round(sms.seconds, 2),
        "messages_per_second": round(sms.per_second, 1),
        "p50_ms": round(sms.p50_ms, 2),
        "p99_ms": round(sms.p99_ms, 2),
        "errors": sms.errors,
        "error_kinds": sms.error_kinds,
        "retry_mismatches": sms.retry_mismatches,
        "healthz_per_second": round(healthz.rps, 1),
        "healthz_p99_ms": round(healthz.p99_ms, 2),
        "healthz_errors": healthz.errors,
        "ratio_to_healthz": round(sms.per_second / healthz.rps, 3) if healthz.rps else 0.0,
        **faq,
        "faq_entries": FaqEntry.objects.count(),
        "faq_embedded": FaqEntry.objects.filter(embedding__isnull=False).count(),
        "faq_created": loaded.created,
        "stored_inbound": handled.count(),
        "handled_as": {
            row["handled_as"]: row["n"]
            for row in handled.values("handled_as").annotate(n=Count("id")).order_by("-n", "handled_as")
        },
        "load_seconds": round(load_seconds, 1),
        "targets": {
            "messages_per_second_min": TARGET_MESSAGES_PER_SECOND,
            "p99_max_ms": TARGET_P99_MS,
            "faq_retrieval_p99_max_ms": TARGET_FAQ_P99_MS,
        },
    }
    report["met"] = targets_met(report)
    return report
