"""`civicloop bench load`: simulated residents on the whole site while a large email send runs.

The demo city's content is loaded into the (throwaway) database: topics, community areas, the demo
announcements, the citywide idea forum with its ideas, the 311 services and a few hundred requests;
then N synthetic email subscribers and one citywide urgent alert (delivery/bench.py).

granian serves the app as `bench open311` does (core/loadtest.py: DEBUG off, production settings).
Each simulated resident is an asyncio task with its own keep-alive connection, its own cookie jar and
its own loopback source address (127.0.x.y: REMOTE_ADDR, which the per-address rate limits count; the
app does not trust X-Forwarded-For and nothing here changes that). A resident first signs in to the
idea forum with a magic link (the link is made here, as the email would carry it; the confirmation
page and its POST are real), then repeats, with a think time between actions, one of the weighted
ACTIONS: reading announcements, the Atom feed and the idea forum; subscribing; posting an idea or a
comment; supporting an idea; filing a 311 request by the web form; Open311 reads; a text to the SMS
webhook signed with Twilio's RequestValidator (assistant/bench.py). Forms are read from the page
(CSRF cookie and hidden token included) and posted back as a browser would, without following
redirects.

An answer of 5xx, or a connection that fails, is an error; 429 (and a 403 refusal on a POST, which is
how a support over the limit is answered) counts as "limited"; any other 4xx is "rejected".

Before the clock starts, a few more residents do every action once, untimed, on new connections, so
that each server worker has paid what is slow only the first time in a process (the civility check
embeds its examples on a worker's first post). When the timed load starts, the alert is fanned out
and `workers` email worker processes send it to the counting SMTP server (delivery/bench.py
`email_rate`), with the load's duration as their time budget.
"""

import asyncio
import math
import os
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from twilio.request_validator import RequestValidator

from civicloop.core.bench import _percentile
from civicloop.core.loadtest import Response, app_serving, database_url, request_encode, response_read_whole

THINK_SECONDS = 3.0  # a resident's mean pause between actions (uniform from 0 to twice this)
STATUS_REQUESTS = 200
SEED = 2026
# What a resident does next, by weight.
ACTIONS = {
    "announcements": 18,
    "feed": 8,
    "ideas": 16,
    "subscribe": 5,
    "idea": 4,
    "comment": 6,
    "support": 8,
    "request": 5,
    "open311_services": 5,
    "open311_requests": 9,
    "sms": 12,
}
# Every route timed, in the report's order.
ROUTES = [
    "sign_in_page",
    "sign_in_post",
    "announcement_list",
    "announcement_detail",
    "feed_atom",
    "ideas_home",
    "question_page",
    "idea_page",
    "subscribe_page",
    "subscribe_post",
    "idea_form",
    "idea_post",
    "comment_post",
    "support_post",
    "request_form",
    "request_post",
    "open311_services",
    "open311_requests",
    "sms_webhook",
]
# Where residents report problems: addresses inside the city (a random point can fall in the lake).
PLACES = [
    ("121 N LaSalle St", "41.88370", "-87.63210"),
    ("1800 S Blue Island Ave", "41.85790", "-87.65610"),
    ("1400 N Sacramento Ave", "41.90250", "-87.72090"),
    ("8200 S Cottage Grove Ave", "41.74500", "-87.60500"),
    ("2600 N Milwaukee Ave", "41.92900", "-87.70800"),
    ("5600 W Madison St", "41.88050", "-87.76500"),
]
FIRST = object()  # a form value: the first option or checkbox the page offers


# Content ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """What the residents will find: paths and identifiers read from the loaded content."""

    announcements: list[str]
    question_path: str
    ideas: list[int]
    services: list[str]
    status_ids: list[str]
    sign_in_tokens: list[str]


def site_load(*, residents: int, secret_key: str) -> Site:
    """The demo city's content, and a participant (with a sign-in token) for each resident."""
    from civicloop.accounts.models import Role, User
    from civicloop.accounts.services import staff_user_ensure
    from civicloop.announcements.models import Announcement
    from civicloop.core.demo_content import DEMO_ANNOUNCEMENTS, DEMO_PASSWORD, DEMO_STAFF
    from civicloop.core.management.commands.demo import Command as DemoCommand
    from civicloop.core.management.commands.demo import demo_engage_ensure
    from civicloop.engage.models import Idea, ModerationState, Participant, Question
    from civicloop.engage.tokens import sign_in_token
    from civicloop.servicerequests.bench import requests_generate
    from civicloop.servicerequests.models import Service, ServiceAttribute, ServiceRequest
    from civicloop.subscriptions.services import contact_point_ensure

    requests_generate(STATUS_REQUESTS)  # topics, areas, the services and their definitions, requests
    for username, email, role, name in DEMO_STAFF:
        staff_user_ensure(
            username=username, email=email, role=Role(role), password=DEMO_PASSWORD, full_name=name
        )
    demo = DemoCommand()
    for item in DEMO_ANNOUNCEMENTS:
        demo._ensure(item)
    demo_engage_ensure(User.objects.get(username="admin"), User.objects.get(username="department"))
    question = Question.objects.filter(space__slug="citywide").select_related("space").get()
    # Services whose required questions are all lists (the form offers their choices).
    hard = ServiceAttribute.objects.filter(required=True, variable=True).exclude(
        datatype__in=["singlevaluelist", "multivaluelist"]
    )
    services = list(
        Service.objects.filter(active=True)
        .exclude(pk__in=hard.values("service_id"))
        .order_by("code")
        .values_list("code", flat=True)[:8]
    )
    from django.utils import timezone

    now = timezone.now()
    tokens = []
    with override_settings(SECRET_KEY=secret_key):
        for n in range(residents):
            point = contact_point_ensure(kind="email", value=f"load-resident-{n}@example.org", language="en")
            participant = Participant.objects.create(
                contact_point=point,
                display_name=f"Resident {n}",
                pending_display_name=f"Resident {n}",
                language="en",
                created_at=now,
            )
            tokens.append(
                sign_in_token(participant_id=participant.pk, token_version=participant.token_version)
            )
    return Site(
        announcements=list(Announcement.objects.filter(slug__gt="").values_list("slug", flat=True)[:40]),
        question_path=f"/ideas/{question.space.slug}/{question.slug}/",
        ideas=list(
            Idea.objects.filter(question=question, moderation_state=ModerationState.PUBLISHED).values_list(
                "pk", flat=True
            )
        ),
        services=services,
        status_ids=list(ServiceRequest.objects.order_by("?").values_list("public_id", flat=True)[:50]),
        sign_in_tokens=tokens,
    )


# Forms --------------------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)


class _FormsParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif not self.forms or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            self.forms[-1].fields.append(FormField(a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "select":
            self._select = FormField(a["name"], "select", "")
            self.forms[-1].fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", "")
            self.forms[-1].fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_read(html: bytes) -> list[Form]:
    parser = _FormsParser()
    parser.feed(html.decode("utf-8", "replace"))
    return parser.forms


def form_find(forms: Sequence[Form], action_part: str, *, page: str = "") -> Form | None:
    """The first POST form whose action (`page` when it has none) contains `action_part`.

    The language switcher, on every page, is never the one.
    """
    for form in forms:
        action = form.action or page
        if form.method == "post" and action_part in action and "/i18n/" not in action:
            return form
    return None


def form_data(form: Form, values: dict[str, Any], *, choose: str = "") -> list[tuple[str, str]]:
    """What a browser would post: the page's defaults, then `values` (a value, a list, or FIRST).

    Radio groups and selects without a choice take their first option; checkboxes are sent when
    checked or named in `values`, and the first box of a group whose name starts with `choose`
    (a question to answer) when none is; buttons only when named in `values`.
    """
    data: list[tuple[str, str]] = []
    done: set[str] = set()
    for item in form.fields:
        if item.name in done:
            continue
        if item.name in values:
            done.add(item.name)
            wanted = values[item.name]
            if wanted is FIRST:
                choices = [o for o, _ in item.options if o] if item.kind == "select" else [item.value]
                data.append((item.name, choices[0] if choices else ""))
            else:
                for value in wanted if isinstance(wanted, list) else [wanted]:
                    data.append((item.name, str(value)))
        elif item.kind in ("submit", "button", "image", "file", "reset"):
            continue
        elif item.kind == "checkbox":
            group = [other for other in form.fields if other.name == item.name]
            if item.checked:
                data.append((item.name, item.value or "on"))
            elif choose and item.name.startswith(choose) and not any(other.checked for other in group):
                data.append((item.name, item.value or "on"))
                done.add(item.name)
        elif item.kind == "radio":
            group = [other for other in form.fields if other.name == item.name]
            chosen = next((other for other in group if other.checked), group[0])
            data.append((item.name, chosen.value))
            done.add(item.name)
        elif item.kind == "select":
            selected = [value for value, chosen in item.options if chosen]
            fallback = next((value for value, _ in item.options if value), "")
            data += [(item.name, value) for value in selected] or [(item.name, fallback)]
            done.add(item.name)
        else:
            data.append((item.name, item.value))
    return data


# Residents ----------------------------------------------------------------------------------------


@dataclass
class RouteStats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    limited: int = 0
    rejected: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "count": len(self.latencies),
            "p50_ms": round(_percentile(ordered, 0.5) * 1000, 1) if ordered else None,
            "p99_ms": round(_percentile(ordered, 0.99) * 1000, 1) if ordered else None,
            "errors": self.errors,
            "limited": self.limited,
            "rejected": self.rejected,
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
        }


class Resident:
    """One simulated resident: a keep-alive connection from its own loopback address, a cookie jar."""

    def __init__(
        self, n: int, *, port: int, site: Site, stats: dict[str, RouteStats], validator: RequestValidator
    ) -> None:
        self.n = n
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.address = f"127.0.{2 + n // 250}.{2 + n % 250}"
        self.site = site
        self.stats = stats
        self.validator = validator
        self.rng = random.Random(SEED + n)
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.posted = 0
        self.supported: set[int] = set()
        self.phone = f"+1312555{n % 10_000:04d}"

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def exchange(
        self,
        route: str,
        method: str,
        path: str,
        *,
        data: list[tuple[str, str]] | None = None,
        raw: bytes = b"",
    ) -> Response | None:
        """One request on this resident's connection, timed under `route`; None if it failed."""
        if not raw:
            headers = {"User-Agent": "civicloop-bench-load", "Accept-Language": "en"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            body = b""
            if data is not None:
                body = urlencode(data).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Referer"] = f"http://{self.host}{path}"
            raw = request_encode(method, path, host=self.host, headers=headers, body=body)
        stats = self.stats[route]
        try:
            if self.writer is None or self.reader is None:
                self.reader, self.writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(self.address, 0)
                )
            started = time.perf_counter()
            self.writer.write(raw)
            response = await response_read_whole(self.reader)
            stats.latencies.append(time.perf_counter() - started)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            stats.errors += 1
            await self.close()
            await asyncio.sleep(0.05)
            return None
        stats.statuses[response.status] += 1
        if response.status >= 500:
            stats.errors += 1
        elif response.status == 429 or (response.status == 403 and method == "POST"):
            stats.limited += 1
        elif response.status >= 400 or (response.status == 200 and data is not None):
            stats.rejected += 1  # refused, or (200 to a form's POST) the form shown again with its errors
        for cookie in response.header_values("set-cookie"):
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and value != '""':
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        if not response.keep_alive:
            await self.close()
        return response

    async def form_post(
        self,
        page_route: str,
        post_route: str,
        page: str,
        action_part: str,
        values: dict[str, Any],
        *,
        choose: str = "",
    ) -> None:
        """GET the page, read its form, POST it back with `values`."""
        response = await self.exchange(page_route, "GET", page)
        if response is None or response.status != 200:
            return
        form = form_find(forms_read(response.body), action_part, page=page)
        if form is None:
            self.stats[post_route].rejected += 1  # the page had no such form: counted, for the report
            return
        await self.exchange(
            post_route, "POST", form.action or page, data=form_data(form, values, choose=choose)
        )

    async def sign_in(self) -> None:
        token = self.site.sign_in_tokens[self.n]
        path = f"/ideas/sign-in/{token}/"
        values = {"display_name": f"Resident {self.n}"}
        await self.form_post("sign_in_page", "sign_in_post", path, "/ideas/sign-in/", values)

    def _idea(self) -> int:
        return self.rng.choice(self.site.ideas)

    async def act(self, action: str) -> None:
        rng = self.rng
        if action == "announcements":
            await self.exchange("announcement_list", "GET", "/announcements/")
            await self.exchange(
                "announcement_detail", "GET", f"/announcements/{rng.choice(self.site.announcements)}/"
            )
        elif action == "feed":
            await self.exchange("feed_atom", "GET", "/feeds/announcements.atom")
        elif action == "ideas":
            await self.exchange("ideas_home", "GET", "/ideas/")
            await self.exchange("question_page", "GET", self.site.question_path)
            await self.exchange("idea_page", "GET", f"/ideas/{self._idea()}/")
        elif action == "subscribe":
            self.posted += 1
            email = f"load-{self.n}-{self.posted}@example.org"
            values = {"email": email, "topics": FIRST, "all_areas": "on"}
            await self.form_post("subscribe_page", "subscribe_post", "/subscribe/", "/subscribe/", values)
        elif action == "idea":
            self.posted += 1
            values = {
                "title": f"Idea {self.n}-{self.posted}: more benches at bus stops",
                "body": "Benches and shade at the busiest bus stops would help older residents.",
            }
            page = f"{self.site.question_path}new/"
            await self.form_post("idea_form", "idea_post", page, "/new/", values)
        elif action in ("comment", "support"):
            # A resident supports an idea once: then it only reads ideas it already supports.
            unsupported = [idea for idea in self.site.ideas if idea not in self.supported]
            idea = rng.choice(unsupported) if action == "support" and unsupported else self._idea()
            response = await self.exchange("idea_page", "GET", f"/ideas/{idea}/")
            if response is None or response.status != 200:
                return
            forms = forms_read(response.body)
            if action == "comment":
                form = form_find(forms, f"/ideas/{idea}/comments/")
                values = {"body": f"Agreed, and it would help on my block too ({self.n})."}
            else:
                form = form_find(forms, f"/ideas/{idea}/support/")
                values = {}
                if not unsupported:
                    return  # it supports every idea: "You support this idea.", nothing to post
                self.supported.add(idea)
            route = f"{action}_post"
            if form is None:
                self.stats[route].rejected += 1  # the page did not offer the form: counted, for the report
                return
            await self.exchange(route, "POST", form.action, data=form_data(form, values))
        elif action == "request":
            page = f"/requests/new/{rng.choice(self.site.services)}/"
            address, latitude, longitude = rng.choice(PLACES)
            values = {
                "address": address,
                "latitude": latitude,
                "longitude": longitude,
                "description": "Reported during a load test.",
            }
            await self.form_post(
                "request_form", "request_post", page, "/requests/new/", values, choose="attr_"
            )
        elif action == "open311_services":
            await self.exchange("open311_services", "GET", "/open311/v2/services.json")
        elif action == "open311_requests":
            await self.exchange("open311_requests", "GET", "/open311/v2/requests.json")
        elif action == "sms":
            await self.exchange("sms_webhook", "POST", "", raw=self._sms())

    def _sms(self) -> bytes:
        from civicloop.assistant.bench import Text, _keyword_text, signed_request

        self.posted += 1
        body = _keyword_text(self.rng, self.site.status_ids)
        sid = f"SM{self.n:08x}{self.posted:08x}{secrets.token_hex(8)}"
        text = Text(sid=sid, phone=self.phone, body=body, kind="keyword")
        return signed_request(text, validator=self.validator, host=self.host)

    async def live(self, deadline: float, think: float, residents: int) -> None:
        names, weights = list(ACTIONS), list(ACTIONS.values())
        await asyncio.sleep(self.rng.uniform(0, min(2 * think, 2.0)))  # residents arrive over a moment
        await self.sign_in()
        # The residents' first actions go through every action once, so that a short run covers every route.
        first = [
            names[(self.n + i * residents) % len(names)] for i in range(math.ceil(len(names) / residents))
        ]
        while time.perf_counter() < deadline:
            await self.act(first.pop(0) if first else self.rng.choices(names, weights)[0])
            if think > 0:
                await asyncio.sleep(self.rng.uniform(0, 2 * think))
        await self.close()


async def _warm(port: int, site: Site, first: int, count: int, validator: RequestValidator) -> None:
    """Untimed: `count` more residents do every action once, each on a new connection, so that every
    server worker has done the work that is slow only the first time in a process (the civility
    check embeds its examples on a worker's first post: about 13 s of one CPU)."""
    stats = {route: RouteStats() for route in ROUTES}

    async def warm_one(n: int) -> None:
        person = Resident(n, port=port, site=site, stats=stats, validator=validator)
        await person.sign_in()
        for action in ACTIONS:
            await person.close()
            await person.act(action)
        await person.close()

    await asyncio.gather(*(warm_one(first + n) for n in range(count)))


async def _residents_drive(
    port: int,
    site: Site,
    residents: int,
    seconds: float,
    think: float,
    token: str,
    warmers: int,
    go: threading.Event,
) -> tuple[dict[str, RouteStats], float, float]:
    """Warm the server up, then set `go` (the send starts) and run the residents for `seconds`."""
    validator = RequestValidator(token)
    started = time.perf_counter()
    await _warm(port, site, residents, warmers, validator)
    warmup = time.perf_counter() - started
    go.set()
    stats = {route: RouteStats() for route in ROUTES}
    started = time.perf_counter()
    people = [Resident(n, port=port, site=site, stats=stats, validator=validator) for n in range(residents)]
    await asyncio.gather(*(person.live(started + seconds, think, residents) for person in people))
    return stats, time.perf_counter() - started, warmup


# The send -----------------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    fanout_seconds: float = 0.0
    email_per_second: float = 0.0
    seconds: float = 0.0
    problem: str = ""


def _send(
    *, message: Any, workers: int, budget: float, smtp_port: int, outcome: SendOutcome, go: threading.Event
) -> None:
    """Once `go` is set: fan the alert out, then send its email with `workers` processes (in a thread)."""
    from civicloop.delivery.bench import email_rate
    from civicloop.delivery.fanout import announcement_fan_out

    go.wait()
    started = time.perf_counter()
    try:
        if outcome.problem:  # the load did not start
            return
        announcement_fan_out(message=message)
        outcome.fanout_seconds = time.perf_counter() - started
        left = max(budget - (time.perf_counter() - started), 1.0)
        outcome.email_per_second = email_rate(
            workers=workers, seconds=left, port=smtp_port, settings=settings
        )
    except Exception as error:
        outcome.problem = f"{type(error).__name__}: {error}"
    finally:
        outcome.seconds = time.perf_counter() - started
        connection.close()


# The benchmark ------------------------------------------------------------------------------------


def run_load(
    *,
    residents: int,
    seconds: float,
    recipients: int,
    workers: int,
    think: float = THINK_SECONDS,
    server_workers: int | None = None,
) -> dict[str, Any]:
    """Load the city, warm the server, then residents for `seconds` while the alert's email goes out.

    `server_workers`: granian's processes (default: one per CPU, as `bench open311` and `bench sms`).
    """
    from civicloop.assistant.bench import SITE_URL
    from civicloop.delivery.bench import alert_publish, smtp_server_start, subscribers_generate
    from civicloop.delivery.models import Delivery

    server_workers = server_workers or os.cpu_count() or 1
    warmers = 3 * server_workers
    started = time.perf_counter()
    # Four in five synthetic subscribers have an email address: enough of them for `recipients`.
    subscribers_generate(math.ceil(recipients / 0.8))
    secret_key = secrets.token_urlsafe(48)
    site = site_load(residents=residents + warmers, secret_key=secret_key)
    message = alert_publish()
    load_seconds = time.perf_counter() - started
    token = secrets.token_hex(16)
    settings_env = {"SECRET_KEY": secret_key, "TWILIO_AUTH_TOKEN": token, "SITE_URL": SITE_URL}
    smtp, smtp_port = smtp_server_start("counter")
    outcome = SendOutcome()
    go = threading.Event()
    sender = threading.Thread(
        target=_send,
        kwargs={
            "message": message,
            "workers": workers,
            "budget": seconds,
            "smtp_port": smtp_port,
            "outcome": outcome,
            "go": go,
        },
    )
    sender.start()
    try:
        with app_serving(
            server="granian",
            database=database_url(),
            workers=server_workers,
            threads=1,
            settings_env=settings_env,
        ) as server:
            port = int(server.base_url.rsplit(":", 1)[1])
            # A thread of its own, as core.loadtest.python_drive: the caller may be running an event loop.
            with ThreadPoolExecutor(max_workers=1) as pool:
                stats, elapsed, warmup = pool.submit(
                    asyncio.run, _residents_drive(port, site, residents, seconds, think, token, warmers, go)
                ).result()
    finally:
        if not go.is_set():
            outcome.problem = "the load did not start"
            go.set()
        sender.join()
        smtp.terminate()
        smtp.wait()
    emails = Delivery.objects.filter(message=message, channel="email")
    total = emails.count()
    sent = emails.filter(status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED]).count()
    routes = {route: stats[route].as_json() for route in ROUTES}
    count = sum(route["count"] for route in routes.values())
    return {
        "suite": "load",
        "residents": residents,
        "seconds": round(elapsed, 1),
        "think_seconds_mean": think,
        "requests": count,
        "requests_per_second": round(count / elapsed, 1),
        "errors": sum(route["errors"] for route in routes.values()),
        "limited": sum(route["limited"] for route in routes.values()),
        "rejected": sum(route["rejected"] for route in routes.values()),
        "routes": routes,
        "send": {
            "recipients": total,
            "sent": sent,
            "seconds": round(outcome.seconds, 1),
            "fanout_seconds": round(outcome.fanout_seconds, 2),
            "per_second": round(outcome.email_per_second),
            "finished": total > 0 and sent == total,
            "email_workers": workers,
            "problem": outcome.problem,
        },
        "server": server.description,
        "warmup_seconds": round(warmup, 1),
        "warmup_residents": warmers,
        "load_seconds": round(load_seconds, 1),
    }
