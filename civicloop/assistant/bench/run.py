"""The run of `civicloop bench sms` and its report: load the demo city's assistant, time FAQ retrieval
here, serve the app and drive the webhook under load, then the one report and whether it met the targets."""

import os
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Count

from civicloop.assistant.bench.driver import sessions_drive
from civicloop.assistant.bench.faq_timing import faq_retrieval_measure
from civicloop.assistant.bench.plan import PHONES_MAX, SEED, SITE_URL, phone_numbers, sessions_plan
from civicloop.assistant.models import AssistantMessage, FaqEntry
from civicloop.assistant.services.knowledge import faq_demo_load
from civicloop.core.loadtest import app_serving, database_url, python_drive
from civicloop.servicerequests.bench import requests_generate
from civicloop.servicerequests.models import ServiceRequest

TARGET_MESSAGES_PER_SECOND = 300.0
TARGET_P99_MS = 150.0
TARGET_FAQ_P99_MS = 30.0
STATUS_REQUESTS = 200  # 311 requests loaded so that STATUS has something to find


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
