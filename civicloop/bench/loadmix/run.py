"""`bench load` itself: load the city, warm the server, run the residents while the alert goes out."""

import asyncio
import math
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from civicloop.bench.loadmix.alert_send import SendOutcome, _send
from civicloop.bench.loadmix.residents import ROUTES, _residents_drive
from civicloop.bench.loadmix.site import site_load
from civicloop.core.loadtest import app_serving, database_url

THINK_SECONDS = 3.0  # a resident's mean pause between actions (uniform from 0 to twice this)


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
