"""`civicloop bench opinions`: opinion mapping on a synthetic conversation with planted groups.

No database: the participants × statements int8 vote matrix is built directly with numpy (seeded),
as :func:`civicloop.deliberation.analysis.vote_matrix` builds it from stored votes, and
:func:`civicloop.deliberation.analysis.analyse` is timed on it.

The conversation. Participants belong to ``groups`` planted groups of unequal size (shares 45/35/20 %
for three). Each group has a stance per statement (agree or disagree; one statement in 10 is a
consensus statement with the same stance for every group) and a strength drawn per group and
statement from 0.85–0.95: a member follows the stance with that probability, otherwise opposes it in
6 cases of 10 and passes in 4. (Weaker stances, 0.60–0.85, gave an ARI of 0.79 at 50,000 × 2,000:
participants with 7–15 votes are then too noisy to place; among those with ≥ 60 votes it was 0.99.)
Participants vote on a geometric number of statements with mean
``votes_per_participant`` (so some vote on a handful and stay out of the map), picked with a weight
decaying as (j + 50)^-0.8 over the statement index j: early statements get more votes, as Polis's
routing gives them (at 2,000 statements the first 200 get about a third of the votes). A pick
repeated by one participant is one vote.

The update: 1 % more votes (the same rules, from randomly chosen participants), then ``analyse``
again with the first run's state (PCA warm start, k smoothing, base-cluster warm start) and its
participants in the map ("once in, always in"), as a live conversation re-runs.

The comparison (``--compare``). red-dwarf (PyPI ``red-dwarf``, a Python re-implementation of Polis's
math; optional, never a dependency of the project) runs its Polis pipeline
(``reddwarf.implementations.polis.run_pipeline``: PCA, k-means with k by silhouette, repness,
consensus) on the same first vote matrix, in a child process of the interpreter given, so that its
memory is measured apart from ours. The child is :data:`COMPARE_SCRIPT`, self-contained (numpy and
red-dwarf only): it reads the votes from a compressed ``.npz`` of (participant, statement, vote)
triples, times ``run_pipeline`` alone and reports its own peak RSS; its group labels are scored here
against the planted groups and against ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from civicloop.deliberation import analysis

SEED = 2026
SHARES = {2: (0.6, 0.4), 3: (0.45, 0.35, 0.2), 4: (0.35, 0.3, 0.2, 0.15), 5: (0.3, 0.25, 0.2, 0.15, 0.1)}
CONSENSUS_EVERY = 10
ROUTING_OFFSET = 50.0
ROUTING_POWER = 0.8
STRENGTH_MIN, STRENGTH_MAX = 0.85, 0.95  # a member follows the group's stance this often
COMPARE_TIMEOUT = 900.0  # seconds red-dwarf's child process (imports included) may take before it is killed
CHECK_TIMEOUT = 300.0  # seconds for the check that red-dwarf imports (a few seconds; more on a busy machine)
_MISSING = 3  # COMPARE_SCRIPT's exit status when red-dwarf (or numpy) cannot be imported

# Run by the comparison's interpreter as `python -c COMPARE_SCRIPT --check` (prints {"tool": ...}) or
# `python -c COMPARE_SCRIPT VOTES.npz LABELS.npz SEED`. Self-contained: that interpreter need not
# have civicloop or Django, only red-dwarf (which brings numpy, pandas and scikit-learn).
# red-dwarf's `votes` is documented as a list of dicts; it only passes it to pandas'
# `DataFrame.from_dict`, which takes the same columns as a dict of arrays, so they are given so (no
# 2-million-dict list to build: that would be our feeding cost, not red-dwarf's).
COMPARE_SCRIPT = r"""
import json, resource, sys, time
try:
    import numpy as np
    from reddwarf.implementations.polis import run_pipeline
except ImportError as error:
    print(json.dumps({"missing": str(error)}))
    sys.exit(MISSING_STATUS)
try:
    from importlib.metadata import version
    tool = "red-dwarf " + version("red-dwarf")
except Exception:
    tool = "red-dwarf (version unknown)"
if sys.argv[1] == "--check":
    print(json.dumps({"tool": tool}))
    sys.exit(0)

def rss_mb():
    # VmHWM, not ru_maxrss: Linux carries the spawning process's peak into ru_maxrss across exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

data = np.load(sys.argv[1])
votes = {
    "participant_id": data["rows"].astype(np.int64),
    "statement_id": data["cols"].astype(np.int64),
    "vote": data["vals"].astype(np.int64),
}
del data
baseline = rss_mb()
started = time.perf_counter()
result = run_pipeline(votes=votes, random_state=int(sys.argv[3]))
seconds = time.perf_counter() - started
peak = rss_mb()
frame = result.participants_df
mask = np.asarray(frame["to_cluster"], dtype=bool)
ids = np.asarray(frame.index, dtype=np.int64)[mask]
labels = np.asarray(frame["cluster_id"])[mask].astype(np.int64)
np.savez(sys.argv[2], participants=ids, groups=labels)
print(json.dumps({"tool": tool, "seconds": seconds, "peak_rss_mb": peak, "baseline_rss_mb": baseline}))
""".replace("MISSING_STATUS", str(_MISSING))


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def adjusted_rand_index(truth: np.ndarray, labels: np.ndarray) -> float:
    """Adjusted Rand index (Hubert and Arabie), as scikit-learn's ``adjusted_rand_score``."""
    truth = np.asarray(truth)
    labels = np.asarray(labels)
    n = truth.size
    if n < 2:
        return 1.0
    _, t = np.unique(truth, return_inverse=True)
    _, g = np.unique(labels, return_inverse=True)
    table = np.zeros((int(t.max()) + 1, int(g.max()) + 1), dtype=np.int64)
    np.add.at(table, (t, g), 1)

    def pairs(x: np.ndarray) -> float:
        x = x.astype(np.float64)
        return float((x * (x - 1.0) / 2.0).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = n * (n - 1) / 2.0
    expected = rows * cols / total
    maximum = (rows + cols) / 2.0
    if maximum == expected:  # both partitions trivial (one cluster, or all singletons)
        return 1.0
    return (index - expected) / (maximum - expected)


class Conversation:
    """A synthetic conversation: planted groups, stances and a vote generator."""

    def __init__(self, participants: int, statements: int, groups: int, seed: int) -> None:
        self.n, self.m, self.k = participants, statements, groups
        self.rng = np.random.default_rng(seed)
        shares = np.asarray(SHARES[groups])
        self.truth = self.rng.choice(groups, size=participants, p=shares)
        stance = self.rng.choice(np.array([-1, 1], dtype=np.int8), size=(groups, statements))
        consensus = np.arange(statements) % CONSENSUS_EVERY == CONSENSUS_EVERY - 1
        stance[:, consensus] = stance[0, consensus]
        self.stance = stance
        self.strength = self.rng.uniform(STRENGTH_MIN, STRENGTH_MAX, size=(groups, statements))
        weight = (np.arange(statements) + ROUTING_OFFSET) ** -ROUTING_POWER
        self.cdf = np.cumsum(weight / weight.sum())

    def votes(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One vote per entry of ``who`` (participant rows): statement picked by routing weight."""
        cols = np.minimum(np.searchsorted(self.cdf, self.rng.random(who.size)), self.m - 1)
        g = self.truth[who]
        side = self.stance[g, cols]
        u = self.rng.random(who.size)
        follow = self.strength[g, cols]
        oppose = follow + (1.0 - follow) * 0.6
        vals = np.where(u < follow, side, np.where(u < oppose, -side, 0)).astype(np.int8)
        return who, cols.astype(np.int64), vals

    def first_votes(self, per_participant: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = self.rng.geometric(1.0 / per_participant, size=self.n)
        who = np.repeat(np.arange(self.n, dtype=np.int64), counts)
        return self.votes(who)


def run_opinions(
    *,
    participants: int,
    statements: int,
    groups: int = 3,
    votes_per_participant: float = 50.0,
    seed: int = SEED,
    compare_python: str | None = None,
    compare_timeout: float = COMPARE_TIMEOUT,
) -> dict[str, Any]:
    """Build the conversation, time ``analyse`` and a warm-started update; one JSON-able dict.

    With ``compare_python``, red-dwarf then runs on the same first matrix with that interpreter
    (:func:`compare_red_dwarf`) and the dict gets a ``"compare"`` entry; without it, no such key.
    """
    if groups not in SHARES:
        raise ValueError(f"groups must be from {min(SHARES)} to {max(SHARES)}")
    # Before our analysis, so that a missing red-dwarf fails at once (RedDwarfMissing).
    tool = red_dwarf_tool(compare_python) if compare_python is not None else ""
    baseline = _rss_mb()
    started = time.perf_counter()
    conv = Conversation(participants, statements, groups, seed)
    rows, cols, vals = conv.first_votes(votes_per_participant)
    matrix = analysis.vote_matrix(rows, cols, vals, (participants, statements))
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    result = analysis.analyse(matrix)
    seconds = time.perf_counter() - started
    peak = _rss_mb()

    # 1 % new votes from random participants; a repeated (participant, statement) pair is a changed vote.
    n_new = max(1, matrix.nnz // 100)
    new_rows, new_cols, new_vals = conv.votes(conv.rng.integers(0, participants, size=n_new))
    coo = matrix.tocoo()
    updated = analysis.vote_matrix(
        np.concatenate([coo.row.astype(np.int64), new_rows]),
        np.concatenate([coo.col.astype(np.int64), new_cols]),
        np.concatenate([coo.data, new_vals]),
        matrix.shape,
    )
    started = time.perf_counter()
    again = analysis.analyse(updated, previous=result.state, previously_in_map=result.participants)
    update_seconds = time.perf_counter() - started
    del coo

    ari = adjusted_rand_index(conv.truth[result.participants], result.groups) if result.enough_data else 0.0
    ari_update = (
        adjusted_rand_index(conv.truth[again.participants], again.groups) if again.enough_data else 0.0
    )
    out: dict[str, Any] = {
        "participants": participants,
        "statements": statements,
        "votes": int(matrix.nnz),
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(max(peak, _rss_mb()), 1),
        "baseline_rss_mb": round(baseline, 1),
        "ari_planted": round(ari, 4),
        "update_seconds": round(update_seconds, 3),
        "update_votes": int(updated.nnz - matrix.nnz),
        "ari_planted_update": round(ari_update, 4),
        "in_map": int(result.participants.size),
        "groups": int(result.n_groups),
        "planted_groups": groups,
        "build_seconds": round(build_seconds, 3),
        "seed": seed,
        "cpus": os.cpu_count(),
    }
    if compare_python is not None:
        out["compare"] = compare_red_dwarf(
            matrix,
            truth=conv.truth,
            ours=(result.participants, result.groups) if result.enough_data else None,
            python=compare_python,
            tool=tool,
            timeout=compare_timeout,
            seed=seed,
        )
    return out


def matrix_for(participants: int, statements: int, groups: int = 3, seed: int = SEED) -> sp.csr_matrix:
    """The benchmark's first vote matrix alone (for profiling)."""
    conv = Conversation(participants, statements, groups, seed)
    rows, cols, vals = conv.first_votes(50.0)
    return analysis.vote_matrix(rows, cols, vals, (participants, statements))


class RedDwarfMissing(Exception):
    """The comparison's interpreter cannot run red-dwarf (not installed, or not an interpreter)."""


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _run_child(args: list[str], cwd: str, timeout: float) -> tuple[int, str, str] | None:
    """Run ``args`` in its own process group; ``None`` if it outlived ``timeout`` (then it is killed)."""
    proc = subprocess.Popen(  # noqa: S603 (the interpreter the user named, our own script)
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # the child's own group: it and what it started
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    return proc.returncode, out, err


def red_dwarf_tool(python: str, timeout: float = CHECK_TIMEOUT) -> str:
    """``"red-dwarf <version>"`` as ``python`` imports it; :class:`RedDwarfMissing` if it cannot."""
    with tempfile.TemporaryDirectory(prefix="civicloop-reddwarf-") as tmp:
        # cwd: a fresh directory, so that nothing in the caller's directory shadows a module.
        try:
            ran = _run_child([python, "-c", COMPARE_SCRIPT, "--check"], tmp, timeout)
        except OSError as error:
            raise RedDwarfMissing(
                f"cannot run {python} ({error.strerror}): give an interpreter with red-dwarf"
            ) from error
    if ran is None:
        raise RedDwarfMissing(f"importing red-dwarf with {python} took over {timeout:g} s")
    code, out, err = ran
    if code == _MISSING:
        raise RedDwarfMissing(f"red-dwarf is not installed for {python}: pip install red-dwarf")
    if code != 0:
        raise RedDwarfMissing(
            f"red-dwarf cannot be imported by {python}: {_last_line(err) or f'exit {code}'}"
        )
    return str(json.loads(_last_line(out))["tool"])


def compare_red_dwarf(
    matrix: sp.csr_matrix,
    *,
    truth: np.ndarray,
    ours: tuple[np.ndarray, np.ndarray] | None,
    python: str,
    tool: str,
    timeout: float = COMPARE_TIMEOUT,
    seed: int = SEED,
) -> dict[str, Any]:
    """red-dwarf's Polis pipeline on ``matrix`` in a child process of ``python``; the JSON ``compare`` entry.

    ``seconds`` is ``run_pipeline`` alone (as our ``seconds`` is ``analyse`` alone); ``process_seconds``
    the child's wall-clock time (start, imports, reading the votes, writing the labels);
    ``peak_rss_mb`` the child's own peak resident set (``VmHWM``; its baseline after imports and
    reading the votes: ``baseline_rss_mb``). Not ``ru_maxrss``, the child's or ``RUSAGE_CHILDREN``:
    on Linux a process's ``ru_maxrss`` starts at least at the peak of the process that spawned it
    (the kernel carries it over at exec), so a small red-dwarf run would show our peak.

    ``ours`` is our (participants in the map, groups), for ``ari_vs_ours`` over the participants in
    both maps. A crash is reported as ``error`` (the child's last stderr line), a timeout as
    ``timed_out_after``.
    """
    with tempfile.TemporaryDirectory(prefix="civicloop-reddwarf-") as tmp:
        votes_path, labels_path = Path(tmp) / "votes.npz", Path(tmp) / "labels.npz"
        coo = matrix.tocoo()
        np.savez_compressed(
            votes_path,
            rows=coo.row.astype(np.int32),
            cols=coo.col.astype(np.int32),
            vals=coo.data.astype(np.int8),
        )
        del coo
        started = time.perf_counter()
        ran = _run_child(
            [python, "-c", COMPARE_SCRIPT, str(votes_path), str(labels_path), str(seed)], tmp, timeout
        )
        process_seconds = time.perf_counter() - started
        if ran is None:
            return {"tool": tool, "timed_out_after": timeout}
        code, out, err = ran
        if code != 0 or not labels_path.exists():
            return {"tool": tool, "error": _last_line(err) or f"exit {code}"}
        report = json.loads(_last_line(out))
        with np.load(labels_path) as labels:
            ids, groups = labels["participants"], labels["groups"]
    result: dict[str, Any] = {
        "tool": str(report.get("tool", tool)),
        "seconds": round(float(report["seconds"]), 3),
        "peak_rss_mb": round(float(report["peak_rss_mb"]), 1),
        "baseline_rss_mb": round(float(report["baseline_rss_mb"]), 1),
        "process_seconds": round(process_seconds, 3),
        "in_map": int(ids.size),
        "groups": int(np.unique(groups).size),
        "ari_planted": round(adjusted_rand_index(truth[ids], groups), 4) if ids.size else 0.0,
    }
    if ours is not None and ids.size:
        _, in_theirs, in_ours = np.intersect1d(ids, ours[0], assume_unique=True, return_indices=True)
        result["ari_vs_ours"] = round(adjusted_rand_index(groups[in_theirs], ours[1][in_ours]), 4)
        result["in_both_maps"] = int(in_theirs.size)
    else:
        result["ari_vs_ours"] = 0.0
        result["in_both_maps"] = 0
    return result
