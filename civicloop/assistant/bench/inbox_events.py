"""`civicloop bench inbox`, its first half: residents' webhook events as Meta, X and Twilio send and sign
them, driven on keep-alive connections against the production server.

The mix, per 100 events: 30 Facebook Page comments, 15 Messenger messages, 10 Instagram comments, 10
Instagram messages, 15 X replies and mentions (Account Activity), 10 WhatsApp and 10 SMS texts through
Twilio (keywords the assistant answers without its language model: HELP, MENU, STATUS, LANG). About 3 in
100 are delivered twice, as the networks retry; each must be stored once. Every answer must be 200.
"""

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from civicloop.assistant.bench.plan import ACCOUNT_SID, CITY_NUMBER, INBOUND_PATH, SITE_URL
from civicloop.core.bench import _percentile
from civicloop.core.loadtest import request_encode, response_read_whole
from civicloop.integrations.social.meta_events import meta_signature
from civicloop.integrations.social.x_events import x_signature

MIX = {
    "facebook_comment": 30,
    "facebook_message": 15,
    "instagram_comment": 10,
    "instagram_message": 10,
    "x_mention": 15,
    "whatsapp": 10,
    "sms": 10,
}
RETRY_SHARE = 0.03
TEXTS = ["HELP", "MENU", "STATUS 26-00000001", "LANG ES", "AYUDA", "INFO"]
WORDS = [
    "the",
    "pothole",
    "on",
    "my",
    "block",
    "is",
    "still",
    "there",
    "and",
    "the",
    "alley",
    "light",
    "is",
    "out",
    "since",
    "last",
    "week",
    "please",
    "help",
]


@dataclass(frozen=True)
class NetworkAccounts:
    """The city's (made-up) accounts and secrets the bench server is given."""

    page_id: str = "100000000000001"
    instagram_id: str = "17841400000000001"
    x_user_id: str = "1500000000000000001"
    meta_secret: str = "bench-meta-app-secret"
    x_secret: str = "bench-x-consumer-secret"
    twilio_token: str = "bench-twilio-auth-token"

    def settings_env(self) -> dict[str, str]:
        return {
            "SITE_URL": SITE_URL,
            "FACEBOOK_PAGE_ID": self.page_id,
            "INSTAGRAM_ACCOUNT_ID": self.instagram_id,
            "X_USER_ID": self.x_user_id,
            "META_APP_SECRET": self.meta_secret,
            "X_CONSUMER_SECRET": self.x_secret,
            "TWILIO_AUTH_TOKEN": self.twilio_token,
        }


@dataclass(frozen=True)
class Event:
    kind: str
    key: str  # the id the inbox deduplicates on (comment id, mid, tweet id, MessageSid)
    request: bytes
    retry: bool = False


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.sample(WORDS, rng.randint(4, 10)))


def _meta(
    kind: str, n: int, rng: random.Random, accounts: NetworkAccounts, moment: datetime
) -> tuple[str, dict]:
    resident = str(10**15 + rng.randrange(20_000))
    stamp = int(moment.timestamp())
    if kind == "facebook_comment":
        post = f"{accounts.page_id}_{rng.randrange(1, 50)}"
        key = f"{post}_{n}"
        value = {
            "item": "comment",
            "verb": "add",
            "comment_id": key,
            "post_id": post,
            "parent_id": post,
            "from": {"id": resident, "name": f"Resident {resident[-4:]}"},
            "message": _sentence(rng),
            "created_time": stamp,
        }
        entry = {"id": accounts.page_id, "time": stamp, "changes": [{"field": "feed", "value": value}]}
        return key, {"object": "page", "entry": [entry]}
    if kind == "instagram_comment":
        key = str(17_800_000_000_000_000 + n)
        value = {
            "id": key,
            "text": _sentence(rng),
            "from": {"id": resident, "username": f"resident{resident[-4:]}"},
            "media": {"id": str(17_900_000_000_000_000 + rng.randrange(50))},
        }
        entry = {
            "id": accounts.instagram_id,
            "time": stamp,
            "changes": [{"field": "comments", "value": value}],
        }
        return key, {"object": "instagram", "entry": [entry]}
    account = accounts.page_id if kind == "facebook_message" else accounts.instagram_id
    key = f"m_bench{n:012d}"
    message = {
        "sender": {"id": resident},
        "recipient": {"id": account},
        "timestamp": stamp * 1000,
        "message": {"mid": key, "text": _sentence(rng)},
    }
    body = {"id": account, "time": stamp * 1000, "messaging": [message]}
    return key, {"object": "page" if kind == "facebook_message" else "instagram", "entry": [body]}


def _x(n: int, rng: random.Random, accounts: NetworkAccounts, moment: datetime) -> tuple[str, dict]:
    key = str(1_800_000_000_000_000_000 + n)
    resident = str(2_000_000 + rng.randrange(20_000))
    tweet = {
        "id_str": key,
        "text": f"@city {_sentence(rng)}",
        "user": {"id_str": resident, "screen_name": f"resident{resident[-4:]}"},
        "in_reply_to_status_id_str": str(1_700_000_000_000_000_000 + rng.randrange(50)),
        "in_reply_to_user_id_str": accounts.x_user_id,
        "created_at": moment.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "entities": {"user_mentions": [{"id_str": accounts.x_user_id}]},
    }
    return key, {"for_user_id": accounts.x_user_id, "tweet_create_events": [tweet]}


def events_plan(
    count: int, *, accounts: NetworkAccounts, host: str, seed: int = 2026, first: int = 0
) -> list[Event]:
    """`count` events in the mix above (and the retries on top), each as its network sends and signs it;
    their ids are numbered from `first` (a warm-up takes other numbers than the timed run)."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    validator = RequestValidator(accounts.twilio_token)
    moment = datetime.now(UTC) - timedelta(minutes=5)
    events: list[Event] = []
    for n, kind in enumerate(kinds, start=first):
        if kind in ("whatsapp", "sms"):
            number = f"+1773{rng.randrange(10**7):07d}"
            key = f"SM{n:032x}"
            params = {
                "AccountSid": ACCOUNT_SID,
                "MessageSid": key,
                "From": ("whatsapp:" if kind == "whatsapp" else "") + number,
                "To": ("whatsapp:" if kind == "whatsapp" else "") + CITY_NUMBER,
                "Body": rng.choice(TEXTS),
                "NumMedia": "0",
            }
            signature = validator.compute_signature(SITE_URL + INBOUND_PATH, params)
            request = request_encode(
                "POST",
                INBOUND_PATH,
                host=host,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
                body=urlencode(params).encode(),
            )
        else:
            if kind == "x_mention":
                key, payload = _x(n, rng, accounts, moment)
                body = json.dumps(payload).encode()
                path, header = "/webhooks/x", "x-twitter-webhooks-signature"
                signature = x_signature(body, consumer_secret=accounts.x_secret)
            else:
                key, payload = _meta(kind, n, rng, accounts, moment)
                body = json.dumps(payload).encode()
                path, header = "/webhooks/meta", "X-Hub-Signature-256"
                signature = meta_signature(body, app_secret=accounts.meta_secret)
            headers = {"Content-Type": "application/json", header: signature}
            request = request_encode("POST", path, host=host, headers=headers, body=body)
        events.append(Event(kind, key, request))
        if rng.random() < RETRY_SHARE:
            events.append(Event(kind, key, request, retry=True))
    return events


@dataclass(frozen=True)
class EventsMeasurement:
    events: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_kinds: dict[str, int]
    p99_ms_by_network: dict[str, float]

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def _events_drive(port: int, events: Sequence[Event], connections: int) -> EventsMeasurement:
    queue = list(reversed(events))
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()

    async def connection_drive() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while queue:
            event = queue.pop()
            keep_alive = False
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                started = time.perf_counter()
                writer.write(event.request)
                response = await response_read_whole(reader)
                elapsed = time.perf_counter() - started
                latencies.append(elapsed)
                by_kind.setdefault(event.kind, []).append(elapsed)
                keep_alive = response.keep_alive
                if response.status != 200:
                    errors[f"{event.kind} status {response.status}"] += 1
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
    return EventsMeasurement(
        events=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 0.5) * 1000 if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99) * 1000 if latencies else 0.0,
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        p99_ms_by_network={
            kind: round(_percentile(sorted(values), 0.99) * 1000, 2)
            for kind, values in sorted(by_kind.items())
        },
    )


def events_drive(base_url: str, events: Sequence[Event], *, connections: int) -> EventsMeasurement:
    """Send every event on `connections` keep-alive connections, each the next one as soon as it is free."""
    port = int(base_url.rsplit(":", 1)[1])
    # A thread of its own, as core.loadtest.python_drive: the caller may be running an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _events_drive(port, events, connections)).result()
