"""`civicloop worker` processes under a supervisor that restarts them (systemd's Restart=always), and
killed as a machine dies: SIGKILL to the whole process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from civicloop.delivery.faults.environment import PROJECT


class Workers:
    """N `civicloop worker` processes, each restarted when it exits (systemd's Restart=always)."""

    def __init__(self, count: int, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0
        self.starts = 0
        self.exits: Counter[int] = Counter()  # exit codes of the exits that were not our kills
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._killed: set[int] = set()

    def _start(self, slot: int) -> None:
        with (self.logs / f"worker-{slot}.log").open("ab") as log:
            self.processes[slot] = subprocess.Popen(
                [sys.executable, "-m", "civicloop", "worker"],
                cwd=PROJECT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes the horse and scheduler too
            )
        self.starts += 1

    def start(self) -> Workers:
        for slot in range(len(self.processes)):
            self._start(slot)
        self._thread.start()
        return self

    def _supervise(self) -> None:
        while not self._stopping.wait(0.2):
            with self._lock:
                for slot, process in enumerate(self.processes):
                    if process is None or process.poll() is None:
                        continue
                    if process.pid in self._killed:
                        self._killed.discard(process.pid)
                    else:
                        self.exits[process.returncode] += 1
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)  # what it left behind
                    self._start(slot)

    def kill(self, slot: int) -> None:
        """SIGKILL to one worker's process group (the worker, its work horse, its scheduler)."""
        with self._lock:
            process = self.processes[slot]
            if process is None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            self._killed.add(process.pid)
            self.kills += 1

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for process in self.processes:
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            if process is None:
                continue
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def tail(self, lines: int = 15) -> str:
        out = []
        for slot in range(len(self.processes)):
            path = self.logs / f"worker-{slot}.log"
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- worker {slot}\n" + "\n".join(text))
        return "\n".join(out)
