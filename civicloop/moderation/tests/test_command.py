"""`civicloop moderation check|evaluate` on the command line."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from civicloop.moderation.evaluate import HELDOUT_SET


def test_check_prints_one_json_line_per_input_line_in_order():
    stdin = StringIO("you are an idiot\nthanks for the new bike lane\n\nI know where you live\n")
    out = StringIO()
    call_command("moderation", "check", "--batch-size", "2", stdin=stdin, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    verdicts = [json.loads(line) for line in lines]
    assert all(set(verdict) == {"held", "reasons", "score"} for verdict in verdicts)
    assert [verdict["held"] for verdict in verdicts] == [True, False, False, True]
    assert verdicts[2] == {"held": False, "reasons": [], "score": 0.0}
    assert "threat" in verdicts[3]["reasons"]
    assert all(isinstance(verdict["score"], float) for verdict in verdicts)


def test_the_console_script_reads_utf8_stdin_without_a_database(tmp_path: Path):
    # A fresh var dir: no migrated database exists there.
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicloop.test_settings"}
    environment["CIVICLOOP_VAR_DIR"] = str(tmp_path)
    environment.pop("DATABASE_URL", None)
    finished = subprocess.run(
        [sys.executable, "-m", "civicloop", "moderation", "check"],
        input="eres un imbécil\n¿Cuándo abre la piscina?\n".encode(),
        capture_output=True,
        env=environment,
        timeout=120,
        check=True,
    )
    verdicts = [json.loads(line) for line in finished.stdout.decode("utf-8").splitlines()]
    assert [verdict["held"] for verdict in verdicts] == [True, False]


def test_evaluate_prints_one_json_line(tmp_path: Path):
    small_set = tmp_path / "small.tsv"
    rows = HELDOUT_SET.read_text(encoding="utf-8").splitlines()
    small_set.write_text("\n".join([rows[0], rows[1], rows[-1]]) + "\n", encoding="utf-8")
    out = StringIO()
    call_command("moderation", "evaluate", "--file", str(small_set), stdout=out)
    [line] = out.getvalue().splitlines()
    report = json.loads(line)
    assert report["posts"] == 2
    assert {"recall_uncivil", "civil_false_positive_rate", "posts_per_second", "p99_ms"} <= set(report)
