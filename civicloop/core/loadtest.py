"""Serving civicloop with a production server on loopback, and driving it with an HTTP load generator.

Used by `civicloop bench open311`: granian (or gunicorn) serves `civicloop.wsgi` against the
current database on a free port of 127.0.0.1, and wrk (when it is on PATH) or the asyncio
generator here holds keep-alive connections open on a list of paths. Every response must be 200;
anything else counts as an error.
"""

import asyncio
import http.client
import importlib.metadata
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.db import connection

from civicloop.core.bench import _percentile

READY_SECONDS = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Serving --------------------------------------------------------------------------------------


def database_url() -> str:
    """The current (throwaway) database as a DATABASE_URL, for the server process."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}{settings_dict['HOST'] or '127.0.0.1'}{port}/{settings_dict['NAME']}"


@dataclass(frozen=True)
class Server:
    base_url: str
    description: str


def _get_status(host: str, port: int, path: str) -> int:
    client = http.client.HTTPConnection(host, port, timeout=5)
    try:
        client.request("GET", path)
        response = client.getresponse()
        response.read()
        return response.status
    finally:
        client.close()


SERVERS = ("granian", "gunicorn")


def _server_command(server: str, port: int, *, workers: int, threads: int) -> tuple[list[str], str]:
    """The command line that serves civicloop.wsgi on 127.0.0.1:`port`, and how the report names it."""
    if server == "granian":
        version = importlib.metadata.version("granian")
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface=wsgi",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={workers}",
            # The app's threads per worker; HTTP is parsed and kept alive by Rust threads meanwhile.
            f"--blocking-threads={threads}",
            "--log-level=warning",
            "--no-ws",
            "civicloop.wsgi:application",
        ]
        return command, f"granian {version}, {workers} workers x {threads} blocking threads (WSGI)"
    version = importlib.metadata.version("gunicorn")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "civicloop.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        "--graceful-timeout=5",
        "--log-level=warning",
        # A listening socket per worker, the kernel spreading connections between them. With one
        # shared socket, 1 wrk run in 12 had all 64 connections accepted by one worker, which left
        # the other idle and halved that run (docs/benchmarks.md).
        "--reuse-port",
    ]
    if tuple(int(part) for part in version.split(".")[:2]) >= (25, 1):
        # Servers started at the same time (tests in parallel) would share one default control socket.
        command.append("--no-control-socket")
    return command, f"gunicorn {version}, {workers} workers x {threads} threads (gthread, reuse_port)"


@contextmanager
def app_serving(
    *, server: str, database: str, workers: int, threads: int, settings_env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """granian or gunicorn on a free loopback port, production settings (DEBUG off); stopped on any exit.

    `settings_env`: more environment variables for the server (settings a benchmark needs, such as
    a Twilio auth token), set after the ones above.
    """
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicloop.settings",
        "DATABASE_URL": database,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **(settings_env or {}),
    }
    command, description = _server_command(server, port, workers=workers, threads=threads)
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(  # noqa: S603 (this Python's server, our own arguments)
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2]
        )
        try:
            _wait_until_ready(process, port, log)
            yield Server(base_url=f"http://127.0.0.1:{port}", description=description)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(server: subprocess.Popen[bytes], port: int, log: IO[str]) -> None:
    """Until /healthz answers 200; BenchServerError with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + READY_SECONDS
    while server.poll() is None and time.monotonic() < deadline:
        try:
            if _get_status("127.0.0.1", port, "/healthz") == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    log.seek(0)
    raise BenchServerError(f"the server did not start:\n{log.read()[-3000:]}")


class BenchServerError(Exception):
    """The server did not come up: nothing to measure."""


# Load generation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """What one endpoint answered under load: responses, how long, latency percentiles, errors."""

    responses: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # responses other than 200, and connections that failed

    @property
    def rps(self) -> float:
        return self.responses / self.seconds if self.seconds else 0.0


# wrk runs this in each of its threads; done() adds up the non-200 counts of all of them.
WRK_SCRIPT = """
local paths = PATHS
local threads = {}
function setup(thread)
  thread:set("position", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  non200 = 0
end
function request()
  position = position + 1
  return wrk.format("GET", paths[position % #paths + 1])
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local non200_total = 0
  for _, thread in ipairs(threads) do non200_total = non200_total + thread:get("non200") end
  local e = summary.errors
  io.write(string.format(
    '{"responses": %d, "duration_us": %d, "p50_us": %.1f, "p99_us": %.1f, "non200": %d, "failed": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), non200_total,
    e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_drive(base_url: str, paths: Sequence[str], *, connections: int, seconds: int) -> Measurement:
    """`connections` keep-alive connections for `seconds` with wrk, cycling through `paths`."""
    wrk = shutil.which("wrk")
    assert wrk is not None
    lua_paths = "{" + ", ".join(json.dumps(path) for path in paths) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT.replace("PATHS", lua_paths))
        script.flush()
        finished = subprocess.run(  # noqa: S603 (wrk from PATH, our own arguments)
            [
                wrk,
                f"--threads={min(2, connections)}",
                f"--connections={connections}",
                f"--duration={seconds}s",
                "--timeout=10s",
                f"--script={script.name}",
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    return Measurement(
        responses=report["responses"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=report["non200"] + report["failed"],
    )


async def _response_read(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; (status, whether the connection stays open)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        size = -1
        while size != 0:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF (the last one: the final CRLF)
    else:
        await reader.read()
        return status, False
    return status, headers.get("connection") != "close"


async def _connection_drive(
    port: int, requests: Sequence[bytes], first: int, deadline: float, latencies: list[float]
) -> int:
    """One keep-alive connection sending requests back to back until the deadline; returns errors."""
    errors = 0
    position = first
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline:
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            payload = requests[position % len(requests)]
            position += 1
            started = time.perf_counter()
            writer.write(payload)
            status, keep_alive = await _response_read(reader)
            latencies.append(time.perf_counter() - started)
            errors += status != 200
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            errors += 1  # a failed connection or an answer that is not HTTP
            keep_alive = False
            await asyncio.sleep(0.01)  # a refused connection would otherwise spin
        if not keep_alive and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()
    return errors


async def _python_drive(port: int, paths: Sequence[str], connections: int, seconds: float) -> Measurement:
    requests = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode() for path in paths]
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    drivers = [_connection_drive(port, requests, n * 7919, deadline, latencies) for n in range(connections)]
    errors = await asyncio.gather(*drivers)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Measurement(
        responses=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 0.5) * 1000 if latencies else 0.0,
        p99_ms=_percentile(latencies, 0.99) * 1000 if latencies else 0.0,
        errors=sum(errors),
    )


def python_drive(base_url: str, paths: Sequence[str], *, connections: int, seconds: int) -> Measurement:
    """The same as wrk_drive, with asyncio in this process, for machines without wrk."""
    port = int(base_url.rsplit(":", 1)[1])
    # A thread of its own: the caller's thread may be running an event loop already (Playwright in tests).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _python_drive(port, paths, connections, seconds)).result()


# Whole exchanges, for load mixes that read what they get (cookies, forms) --------------------------


@dataclass(frozen=True)
class Response:
    """One HTTP/1.1 response read whole: header names lower-cased, values as sent."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool

    def header_values(self, name: str) -> list[str]:
        return [value for header, value in self.headers if header == name]


async def response_read_whole(reader: asyncio.StreamReader) -> Response:
    """Read one HTTP/1.1 response with its body (Content-Length, chunked, or until the connection closes)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = []
    for line in head[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    fields = {name: value.lower() for name, value in headers}
    if "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding") == "chunked":
        chunks = []
        size = -1
        while size != 0:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(chunks)
    else:
        return Response(status, headers, await reader.read(), keep_alive=False)
    return Response(status, headers, body, keep_alive=fields.get("connection") != "close")


def request_encode(
    method: str, path: str, *, host: str, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> bytes:
    """The raw HTTP/1.1 request (keep-alive), with Content-Length when there is a body."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
