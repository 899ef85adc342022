import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civicloop.core import loadtest


class _OkOrMissing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as granian and gunicorn answer

    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ok_or_missing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OkOrMissing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


GENERATORS = [
    loadtest.python_drive,
    pytest.param(
        loadtest.wrk_drive, marks=pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
    ),
]


@pytest.mark.parametrize("drive", GENERATORS)
def test_a_generator_counts_every_answer_but_200_as_an_error(drive, ok_or_missing_server):
    # Given paths answered 200 and 404 in turn
    measured = drive(ok_or_missing_server, ["/ok", "/missing"], connections=2, seconds=1)

    # Then about half of the responses are errors, and latencies were recorded
    assert measured.responses > 10
    assert 0.3 * measured.responses < measured.errors < 0.7 * measured.responses
    assert 0 < measured.p50_ms <= measured.p99_ms


def test_a_server_that_exits_at_start_is_an_error_with_its_log():
    # Given a command line granian refuses (no workers; gunicorn would wait for none instead)
    refused = loadtest.app_serving(
        server="granian", database="sqlite:///unused.sqlite3", workers=0, threads=1
    )
    with pytest.raises(loadtest.BenchServerError) as error, refused:
        pytest.fail("the server should not have come up")

    # Then the error says so and carries the server's own words
    assert "did not start" in str(error.value)
    assert "--workers" in str(error.value)
