"""Reads kept in each process for a few seconds: catalogues that change a few times a year but are read
on every message of a hot path (the assistant's services, the FAQ index's freshness).

A change made in this process is seen at once (the writers call `forget`); one made in another process
within `seconds`. The tests forget every memo before each test (conftest), so no test sees another's rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

_memos: list[ProcessMemo] = []  # type: ignore[type-arg]
_forget_hooks: list[Callable[[], None]] = []  # other per-process caches to drop with the memos


class ProcessMemo(Generic[Value]):
    """`read(key)` computes `compute(key)` at most once every `seconds` per key in this process."""

    def __init__(self, compute: Callable[[Hashable], Value], *, seconds: float) -> None:
        self.compute = compute
        self.seconds = seconds
        self._values: dict[Hashable, tuple[float, Value]] = {}
        self._lock = threading.Lock()
        _memos.append(self)

    def read(self, key: Hashable = None) -> Value:
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = self.compute(key)
        with self._lock:
            self._values[key] = (now, value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._values.clear()


def memo_forget_hook(forget: Callable[[], None]) -> Callable[[], None]:
    """Register another per-process cache's `forget` to be called by `memos_forget` (a decorator)."""
    _forget_hooks.append(forget)
    return forget


def memos_forget() -> None:
    """Forget every process memo and registered cache (after a change, and before each test)."""
    for memo in _memos:
        memo.forget()
    for forget in _forget_hooks:
        forget()
