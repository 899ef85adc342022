"""Structured logs: JSON lines with each request's id, one line per request, no contact details."""

import json
import os
import re
import subprocess
import sys

import pytest

from civicloop.core.loadtest import database_url

SCRIPT = """
import django, logging
django.setup()
from django.test import Client
client = Client()
client.get("/healthz", HTTP_X_REQUEST_ID="proxy-req-0001")
client.get("/readyz", HTTP_X_REQUEST_ID="not a token!")
logging.getLogger("civicloop.assistant").warning("text from maria.lopez@example.com at (312) 555-0147")
"""


def json_log_lines(extra_env: dict[str, str]) -> list[dict]:
    # The test database (migrated, and committed: these tests are transactional), not the demo's.
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "civicloop.test_settings",
        "LOG_FORMAT": "json",
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]


@pytest.mark.django_db(transaction=True)
def test_json_lines_carry_the_request_id_and_one_line_per_request():
    lines = json_log_lines({})
    requests = [line for line in lines if line["logger"] == "civicloop.request"]

    assert [(line["route"], line["status"]) for line in requests] == [("healthz", 200), ("readyz", 200)]
    assert requests[0]["request_id"] == "proxy-req-0001"  # the proxy's, kept
    assert re.fullmatch(r"[0-9a-f]{32}", requests[1]["request_id"])  # not a plain token: a new one
    assert requests[0]["method"] == "GET" and requests[0]["duration_ms"] >= 0
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)


@pytest.mark.django_db(transaction=True)
def test_no_log_line_holds_an_email_address_or_phone_number():
    lines = json_log_lines({})
    [warning] = [line for line in lines if line["logger"] == "civicloop.assistant"]

    assert "maria.lopez@example.com" not in warning["message"] and "555-0147" not in warning["message"]
    assert "[email removed]" in warning["message"] and "[phone removed]" in warning["message"]


def test_every_response_names_its_request_id(client, db):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef12-3456")
    made = client.get("/healthz")

    assert given["X-Request-ID"] == "abcdef12-3456"
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])
