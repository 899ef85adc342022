"""The simulated residents: each an asyncio task with its own connection, address and cookie jar,
doing weighted actions on every route, and the statistics of each route."""

import asyncio
import math
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from civicloop.bench.loadmix.forms import FIRST, form_data, form_find, forms_read
from civicloop.bench.loadmix.site import Site
from civicloop.core.bench import _percentile
from civicloop.core.loadtest import Response, request_encode, response_read_whole

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
