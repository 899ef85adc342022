"""A private Redis server on a free port with an append-only file: its queue survives a restart."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from civicloop.delivery.faults.environment import free_port


class PrivateRedis:
    """redis-server on a free port with an append-only file; stop() and start() keep its data."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="civicloop-faults-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.down_seconds = 0.0

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(  # noqa: S603 (redis-server from PATH, our own arguments)
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def outage(self, seconds: float) -> None:
        started = time.monotonic()
        self.stop()
        time.sleep(seconds)
        self.start()
        self.down_seconds += time.monotonic() - started

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
