"""`civicloop moderation check|evaluate`: the civility check on the command line (no database needed)."""

import io
import json
import queue
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser

from civicloop.moderation.checks import civility_check

_END = object()


class Command(BaseCommand):
    help = (
        "The civility check. `check`: one text per line on standard input, one JSON object per line out "
        '({"held": …, "reasons": […], "score": …}), same order. `evaluate`: one JSON line of figures.'
    )
    requires_system_checks: list[str] = []  # a filter in a pipe: no database, no checks
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="Check standard input, one text per line.")
        check.add_argument("--batch-size", type=int, default=32, help="Most lines checked together")
        evaluate = actions.add_parser("evaluate", help="Measure the check on a labelled TSV set.")
        evaluate.add_argument(
            "--file", type=Path, default=None, help="label, lang, text; tab-separated, header"
        )

    def handle(self, *args: object, **options: Any) -> None:
        if options["action"] == "check":
            stdin = options.get("stdin") or io.TextIOWrapper(
                sys.stdin.buffer, encoding="utf-8", errors="replace"
            )
            self._check(stdin, max(1, int(options["batch_size"])))
        else:
            from civicloop.moderation.evaluate import HELDOUT_SET, evaluate, read_labelled

            report = evaluate(civility_check(), read_labelled(options["file"] or HELDOUT_SET))
            self.stdout.write(json.dumps(report))

    def _check(self, stdin: TextIO, batch_size: int) -> None:
        check = civility_check()
        for batch in _batches(stdin, batch_size):
            for verdict in check.check_many(batch):
                self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False))
            self.stdout.flush()


def _batches(stdin: TextIO, batch_size: int) -> Iterator[list[str]]:
    """Lines that have already arrived, up to `batch_size`: fast on a file, prompt on an interactive pipe."""
    lines: queue.Queue[Any] = queue.Queue(maxsize=batch_size * 4)

    def read() -> None:
        for line in stdin:
            lines.put(line.rstrip("\r\n"))
        lines.put(_END)

    threading.Thread(target=read, daemon=True).start()
    while True:
        first = lines.get()
        if first is _END:
            return
        batch = [first]
        while len(batch) < batch_size:
            try:
                following = lines.get_nowait()
            except queue.Empty:
                break
            if following is _END:
                yield batch
                return
            batch.append(following)
        yield batch
