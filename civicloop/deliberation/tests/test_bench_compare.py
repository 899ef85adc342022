"""`civicloop bench opinions --compare` (issue 13): red-dwarf side by side, without red-dwarf installed.

red-dwarf is not a dependency of the project, so these tests never run the real one: an interpreter
"lacking red-dwarf" is this one started with ``-S`` (no site-packages: neither numpy nor red-dwarf
imports), and the comparison's plumbing (child process, votes file, labels, ARIs, timeout) runs
against a stand-in ``reddwarf`` package written to a temporary directory, with this interpreter.
The real comparison's figures are in docs/benchmarks.md.
"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

# The JSON line's keys without --compare (its contract: --compare must not change them).
PLAIN_KEYS = {
    "participants",
    "statements",
    "votes",
    "seconds",
    "peak_rss_mb",
    "baseline_rss_mb",
    "ari_planted",
    "update_seconds",
    "update_votes",
    "ari_planted_update",
    "in_map",
    "groups",
    "planted_groups",
    "build_seconds",
    "seed",
    "cpus",
    "python",
    "load_average_before",
}
SMALL = ("--participants", "1000", "--statements", "50")

# A stand-in for red-dwarf 0.4.0's `reddwarf.implementations.polis.run_pipeline`: the same call and
# the parts of the result the bench reads (participants_df's index, "to_cluster", "cluster_id").
FAKE_POLIS = """
import os
import time

import numpy as np


class Frame:
    def __init__(self, columns, index):
        self.columns, self.index = columns, index

    def __getitem__(self, key):
        return self.columns[key]


class Result:
    def __init__(self, participants_df):
        self.participants_df = participants_df


def run_pipeline(votes, random_state=None, **kwargs):
    time.sleep(float(os.environ.get("FAKE_REDDWARF_SLEEP", "0")))
    ids, counts = np.unique(np.asarray(votes["participant_id"]), return_counts=True)
    to_cluster = counts >= 7
    cluster_id = np.where(to_cluster, ids % 3, -1).astype(object)
    return Result(Frame({"to_cluster": to_cluster, "cluster_id": cluster_id}, ids))
"""


def _interpreter(tmp_path: Path, *, site: bool = True, env: str = "") -> str:
    """An executable that runs this Python (with ``-S`` unless ``site``), with ``env`` assignments."""
    script = tmp_path / "python"
    flags = "" if site else " -S"
    script.write_text(f'#!/bin/sh\n{env}exec "{sys.executable}"{flags} "$@"\n')
    script.chmod(0o755)
    return str(script)


def _fake_red_dwarf(tmp_path: Path, sleep: float = 0.0) -> str:
    root = tmp_path / "fake"
    (root / "reddwarf" / "implementations").mkdir(parents=True)
    (root / "reddwarf" / "__init__.py").write_text("")
    (root / "reddwarf" / "implementations" / "__init__.py").write_text("")
    (root / "reddwarf" / "implementations" / "polis.py").write_text(FAKE_POLIS)
    dist = root / "red_dwarf-0.0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: red-dwarf\nVersion: 0.0.1\n")
    return _interpreter(tmp_path, env=f'PYTHONPATH="{root}" FAKE_REDDWARF_SLEEP={sleep} ')


def _bench(*args: str) -> dict:
    out = StringIO()
    call_command("bench", "opinions", *SMALL, *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_without_compare_the_keys_are_unchanged():
    assert set(_bench()) == PLAIN_KEYS


def test_compare_without_red_dwarf_exits_2(tmp_path):
    python = _interpreter(tmp_path, site=False)
    with pytest.raises(CommandError) as raised:
        _bench("--compare", "--compare-python", python)
    assert raised.value.returncode == 2
    assert str(raised.value) == f"red-dwarf is not installed for {python}: pip install red-dwarf"


def test_compare_with_a_missing_interpreter_exits_2(tmp_path):
    with pytest.raises(CommandError) as raised:
        _bench("--compare", "--compare-python", str(tmp_path / "no-such-python"))
    assert raised.value.returncode == 2
    assert "no-such-python" in str(raised.value)


def test_compare_without_red_dwarf_from_the_command_line(tmp_path):
    """The real command line: status 2 and the message on one stderr line, nothing on stdout."""
    python = _interpreter(tmp_path, site=False)
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "civicloop",
            "bench",
            "opinions",
            *SMALL,
            "--compare",
            "--compare-python",
            python,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1"},
        timeout=120,
        check=False,
    )
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert (
        finished.stderr.strip()
        .splitlines()[-1]
        .endswith(f"red-dwarf is not installed for {python}: pip install red-dwarf")
    )


def test_compare_adds_red_dwarf_figures(tmp_path):
    result = _bench("--compare", "--compare-python", _fake_red_dwarf(tmp_path))
    assert set(result) == PLAIN_KEYS | {"compare"}
    compare = result["compare"]
    assert compare["tool"] == "red-dwarf 0.0.1"
    assert compare["seconds"] >= 0 and compare["process_seconds"] >= compare["seconds"]
    assert compare["peak_rss_mb"] >= compare["baseline_rss_mb"] > 0
    # The stand-in keeps Polis's 7-vote rule, as our analysis does: the same participants in the map.
    assert compare["in_map"] == compare["in_both_maps"] == result["in_map"]
    assert compare["groups"] == 3
    # Its groups are participant id mod 3, unrelated to the planted ones.
    assert abs(compare["ari_planted"]) < 0.05 and abs(compare["ari_vs_ours"]) < 0.05


def test_compare_timeout(tmp_path):
    result = _bench(
        "--compare", "--compare-python", _fake_red_dwarf(tmp_path, sleep=60), "--compare-timeout", "2"
    )
    assert result["compare"] == {"tool": "red-dwarf 0.0.1", "timed_out_after": 2.0}


def test_compare_python_needs_compare():
    with pytest.raises(CommandError, match="needs --compare"):
        _bench("--compare-python", sys.executable)
