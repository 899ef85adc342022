"""No log line the platform writes holds a working link: request lines, errors and tracebacks."""

import io
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from civicloop.core.log_redaction import REDACTED, RedactSecrets, redact_secrets
from civicloop.engage.tests.conftest import make_resident
from civicloop.engage.tokens import sign_in_token
from civicloop.engage.tokens import stop_token as idea_stop_token
from civicloop.servicerequests.tokens import follow_confirm_token, reopen_token
from civicloop.servicerequests.tokens import stop_token as request_stop_token
from civicloop.subscriptions.tokens import TokenPurpose, token_make

SIGNED_VALUE_SHAPE = re.compile(r"[\w-]+:[0-9A-Za-z]{4,10}:[\w-]{20,}", re.ASCII)


@pytest.fixture
def platform_log() -> Iterator[io.StringIO]:
    """What the platform's own log handler (the one with the redaction filter) writes."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in handler.filters)
    ]
    assert handlers, "the root logger has no handler with the redaction filter"
    written = io.StringIO()
    streams = [handler.setStream(written) for handler in handlers]  # type: ignore[attr-defined]
    yield written
    for handler, stream in zip(handlers, streams, strict=True):
        handler.setStream(stream)  # type: ignore[attr-defined]


@pytest.fixture
def logging_server(transactional_db: Any) -> Iterator[str]:
    """The app behind the request handler `civicloop runserver` uses, which logs every request line."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_links_used_against_a_running_server_leave_no_token_in_the_log(logging_server, platform_log):
    ana = make_resident()
    contact = ana.contact_point_id or 0
    tokens = {
        "sign-in": sign_in_token(participant_id=ana.pk, token_version=ana.token_version),
        "idea-stop": idea_stop_token(idea_id=1, contact_point_id=contact),
        "confirm": token_make(subscriber_id=1, token_version=1, purpose=TokenPurpose.CONFIRM),
        "preferences": token_make(subscriber_id=1, token_version=1, purpose=TokenPurpose.PREFERENCES),
        "unsubscribe": token_make(subscriber_id=1, token_version=1, purpose=TokenPurpose.UNSUBSCRIBE),
        "follow": follow_confirm_token(1),
        "request-stop": request_stop_token(request_id=1, contact_point_id=contact),
        "reopen": reopen_token(request_id=1, change_id=1),
    }
    paths = [
        f"/ideas/sign-in/{tokens['sign-in']}/?next=/ideas/",
        f"/ideas/stop/{tokens['idea-stop']}/",
        f"/subscribe/confirm/{tokens['confirm']}/",
        f"/preferences/{tokens['preferences']}/",
        f"/unsubscribe/{tokens['unsubscribe']}/",
        f"/requests/follow/{tokens['follow']}/",
        f"/requests/stop/{tokens['request-stop']}/",
        f"/requests/CHI-1/reopen/{tokens['reopen']}/",
        f"/announcements/?token={tokens['sign-in']}&api_key=secret-key-123",
    ]

    codes = [fetch(f"{logging_server}{path}") for path in paths]
    # One-click unsubscribe (RFC 8058) and a sign-in link with no CSRF cookie: errors logged with the path.
    codes.append(
        fetch(f"{logging_server}/unsubscribe/{tokens['unsubscribe']}/", data=b"List-Unsubscribe=One-Click")
    )
    codes.append(fetch(f"{logging_server}/ideas/sign-in/{tokens['sign-in']}/", data=b"next=/ideas/"))

    # The server writes a request line after it has answered: wait for the last one, briefly.
    deadline = time.monotonic() + 5
    while platform_log.getvalue().count("HTTP/1.1") < len(codes) and time.monotonic() < deadline:
        time.sleep(0.05)
    log = platform_log.getvalue()
    assert len(codes) == 11 and log.count("HTTP/1.1") >= 11, log  # every request line was written
    assert "Forbidden" in log  # the refused POST was logged as an error, path included
    assert all(token not in log for token in tokens.values()), log
    assert not SIGNED_VALUE_SHAPE.search(log) and "secret-key-123" not in log, log
    assert f"/ideas/sign-in/{REDACTED}/" in log and f"/requests/CHI-1/reopen/{REDACTED}/" in log


def test_a_traceback_that_mentions_a_link_is_redacted(platform_log):
    token = sign_in_token(participant_id=7, token_version=3)
    try:
        raise ValueError(f"could not read /ideas/sign-in/{token}/")
    except ValueError:
        logging.getLogger("civicloop.tasks").exception("task failed for %s", f"/preferences/{token}/")

    log = platform_log.getvalue()
    assert token not in log and "ValueError" in log and log.count(REDACTED) >= 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /unsubscribe/abc/ HTTP/1.1" 200', f'"GET /unsubscribe/{REDACTED}/ HTTP/1.1" 200'),
        ("/ideas/sign-in/?next=/ideas/", "/ideas/sign-in/?next=/ideas/"),
        (
            "POST /open311/v2/requests.json?api_key=k3y&x=1",
            f"POST /open311/v2/requests.json?api_key={REDACTED}&x=1",
        ),
        ("at 10:32:58 all went well", "at 10:32:58 all went well"),
    ],
)
def test_redaction_keeps_what_is_not_a_secret(line, expected):
    assert redact_secrets(line) == expected


def test_granian_style_records_with_mapping_arguments_are_redacted():
    token = sign_in_token(participant_id=1, token_version=1)
    record = logging.LogRecord(
        "granian.access", logging.INFO, __file__, 1, '"%(method)s %(path)s"', None, None
    )
    record.args = {"method": "GET", "path": f"/ideas/sign-in/{token}/"}  # type: ignore[assignment]

    RedactSecrets().filter(record)

    assert record.getMessage() == f'"GET /ideas/sign-in/{REDACTED}/"'
