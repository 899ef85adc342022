"""Structured logs: JSON lines with each request's id, one line per request, no contact details."""

import json
import logging
import os
import re
import subprocess
import sys

import pytest

from civicloop.core.loadtest import database_url
from civicloop.core.logs import MaskContactDetails

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


def test_a_request_line_keeps_its_status_and_duration_that_look_like_a_phone_number():
    # "200 952.4" reads as a possible US number (2009524): found masked in the request line of a real server.
    masking = MaskContactDetails()
    request_line = logging.LogRecord(
        "civicloop.request", logging.INFO, __file__, 1, "%s %s %s %.1f ms", None, None
    )
    request_line.args = ("GET", "announcements:home", 200, 952.4)
    other_line = logging.LogRecord(
        "civicloop.request", logging.INFO, __file__, 1, "%s %s %s %.1f ms", None, None
    )
    other_line.args = ("GET", "announcements:home", 200, 952.4)
    request_line.contact_details_free = True

    assert masking.filter(request_line) and masking.filter(other_line)
    assert request_line.getMessage() == "GET announcements:home 200 952.4 ms"
    assert other_line.getMessage() == "GET announcements:home [phone removed] ms"  # why the mark is needed


def test_the_request_log_marks_its_lines_as_free_of_contact_details(client, db, caplog, settings):
    settings.LOG_REQUESTS = True
    with caplog.at_level(logging.INFO, logger="civicloop.request"):
        client.get("/healthz")

    [line] = [record for record in caplog.records if record.name == "civicloop.request"]
    assert line.contact_details_free is True
