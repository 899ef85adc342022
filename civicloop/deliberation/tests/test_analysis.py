"""Opinion mapping (issue 13, item 2) and agreement with Polis on real openData exports (item 4).

Print the agreement figures for docs/benchmarks.md with:
    .venv/bin/pytest civicloop/deliberation/tests/test_analysis.py -k polis_agreement -s -q
"""

import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

from civicloop.deliberation.analysis import (
    PCAState,
    analyse,
    participants_in_map,
    polis_comments_read,
    polis_export_read,
    vote_matrix,
)

DATA = Path(__file__).parent / "data"


def planted(n: int = 300, m: int = 40, groups: int = 3, seed: int = 7, density: float = 0.5):
    """A sparse vote matrix with planted opinion groups: each group has its own stance per statement
    (agree or disagree), followed with probability 0.85 (else the opposite, or a pass)."""
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % groups
    stance = rng.choice([-1, 1], size=(groups, m))
    rows, cols, vals = [], [], []
    for i in range(n):
        for j in np.flatnonzero(rng.random(m) < density):
            u = rng.random()
            v = stance[truth[i], j] if u < 0.85 else (-stance[truth[i], j] if u < 0.95 else 0)
            rows.append(i)
            cols.append(int(j))
            vals.append(v)
    return vote_matrix(rows, cols, vals, (n, m)), truth, stance


# ------------------------------------------------------------------------------------------- matrix


def test_vote_matrix_latest_wins_and_pass_is_not_missing():
    m = vote_matrix([0, 0, 1, 1], [0, 0, 1, 2], [1, -1, 0, 1], (3, 3))
    assert m.dtype == np.int8
    assert m[0, 0] == -1  # the later vote
    assert m.nnz == 3  # the pass is stored …
    assert m[1, 1] == 0 and m.indices[m.indptr[1]] == 1
    assert np.diff(m.indptr).tolist() == [1, 2, 0]  # … and counts as a vote; row 2 voted nothing
    with pytest.raises(ValueError, match="-1"):
        vote_matrix([0], [0], [2], (1, 1))
    with pytest.raises(ValueError, match="outside"):
        vote_matrix([1], [0], [1], (1, 1))


def test_participants_in_map_rule():
    # 20 statements: 7 votes qualify; only 2 people do, so the most active are added up to 15.
    rows, cols, vals = [], [], []
    for i in range(20):
        for j in range(i % 10 + 1):
            rows.append(i)
            cols.append(int(j))
            vals.append(0)  # passes count as votes
    m = vote_matrix(rows, cols, vals, (25, 20))  # rows 20-24 never voted
    chosen = participants_in_map(m)
    counts = np.diff(m.indptr)
    assert chosen.size == 15
    assert set(np.flatnonzero(counts >= 7)) <= set(chosen)
    assert all(counts[chosen] >= sorted(counts, reverse=True)[14])
    assert not set(range(20, 25)) & set(chosen)
    # Once in, always in.
    assert 24 not in participants_in_map(m) and 19 in participants_in_map(m, previously=[19])
    # Fewer statements than 7: voting on all of them qualifies.
    small = vote_matrix(list(range(20)) * 3, [0] * 20 + [1] * 20 + [2] * 20, [1] * 60, (20, 3))
    assert participants_in_map(small).size == 20


# ---------------------------------------------------------------------------------- not enough data


@pytest.mark.parametrize("n", [0, 1, 3])
def test_too_few_participants_says_so(n):
    if n == 0:
        m = sp.csr_matrix((0, 5), dtype=np.int8)
    else:
        m = vote_matrix(
            [i for i in range(n) for _ in range(5)], list(range(5)) * n, [1, -1, 0, 1, -1] * n, (n, 5)
        )
    r = analyse(m)
    assert not r.enough_data
    assert "not enough data" in r.reason
    assert r.participants.size == n
    assert r.representative == {} and r.consensus == []


def test_everyone_alike_says_so():
    n, k = 40, 10
    m = vote_matrix([i for i in range(n) for _ in range(k)], list(range(k)) * n, [1] * (n * k), (n, k))
    r = analyse(m)
    assert not r.enough_data
    assert "alike" in r.reason


def test_no_votes_and_no_statements():
    assert not analyse(sp.csr_matrix((10, 0), dtype=np.int8)).enough_data
    assert not analyse(sp.csr_matrix((10, 8), dtype=np.int8)).enough_data


# ------------------------------------------------------------------------------------------- groups


def test_planted_groups_recovered():
    m, truth, stance = planted()
    r = analyse(m)
    assert r.enough_data, r.reason
    assert r.participants.size == m.shape[0]
    ari = adjusted_rand_score(truth[r.participants], r.groups)
    assert ari >= 0.95, ari
    assert r.n_groups == 3
    # Representative statements follow each group's planted stance.
    for g, stats in r.representative.items():
        assert stats, f"group {g} has no representative statement"
        members = r.participants[r.groups == g]
        planted_group = np.bincount(truth[members]).argmax()
        for st in stats:
            expected = "agree" if stance[planted_group, st.statement] == 1 else "disagree"
            assert st.direction == expected
            share = st.agree if expected == "agree" else st.disagree
            assert share > 0.6
    # No statement is agreed by all three groups here, so no consensus; the GIC is a product of shares.
    assert r.group_consensus.shape == (m.shape[1],)
    assert np.all((r.group_consensus > 0) & (r.group_consensus < 1))


def test_consensus_found_when_everyone_agrees_on_one():
    m, _, _ = planted(n=200, m=20, groups=2, seed=3)
    coo = m.tocoo()
    vals = np.where(coo.col == 5, 1, coo.data)  # everyone who voted on statement 5 agrees
    m2 = vote_matrix(coo.row, coo.col, vals, m.shape)
    r = analyse(m2)
    assert r.enough_data
    agreed = [c.statement for c in r.consensus if c.direction == "agree"]
    assert agreed[0] == 5
    assert r.group_consensus_top[0] == 5


def test_deterministic_bit_for_bit():
    m, _, _ = planted(seed=11)
    a, b = analyse(m), analyse(m.copy())
    assert np.array_equal(a.participants, b.participants)
    assert np.array_equal(a.groups, b.groups)
    assert a.positions.tobytes() == b.positions.tobytes()
    assert a.representative == b.representative
    assert a.consensus == b.consensus
    assert a.group_consensus.tobytes() == b.group_consensus.tobytes()
    # The input's row order of construction does not matter: a shuffled COO builds the same matrix.
    coo = m.tocoo()
    perm = np.random.default_rng(0).permutation(coo.nnz)
    shuffled = sp.coo_matrix((coo.data[perm], (coo.row[perm], coo.col[perm])), shape=m.shape)
    c = analyse(shuffled)
    assert np.array_equal(a.groups, c.groups) and a.positions.tobytes() == c.positions.tobytes()


def test_warm_start_and_k_smoothing():
    m, _, _ = planted(seed=5)
    first = analyse(m)
    assert first.state is not None and first.state.k == 3
    again = analyse(m, previous=first.state)
    assert adjusted_rand_score(first.groups, again.groups) == 1.0
    # A previous run that showed 2 groups keeps 2 until 3 has won 4 updates in a row.
    state = PCAState(first.state.components, first.state.center, k=2, k_candidate=3, k_candidate_runs=1)
    for expected_k in (2, 2, 3):
        r = analyse(m, previous=state)
        assert r.n_groups == expected_k
        assert r.state is not None
        state = r.state


def test_excluded_statements_are_never_reported():
    m, _, _ = planted(seed=9)
    r = analyse(m, excluded_statements=[0, 1, 2])
    assert r.enough_data
    reported = {s.statement for stats in r.representative.values() for s in stats}
    reported |= {c.statement for c in r.consensus} | set(r.group_consensus_top)
    assert not reported & {0, 1, 2}


# ------------------------------------------------------------------------------------ Polis exports


def write(directory: Path, comments: str, votes: str | None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "comments.csv").write_text(comments)
    if votes is not None:
        (directory / "participants-votes.csv").write_text(votes)
    return directory


COMMENTS = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n" + (
    '1,x,0,1,1,0,1,"First, with a comma"\n1,x,1,1,1,0,-1,Second\n'
)
HEADER = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n"


def test_polis_export_read_small(tmp_path):
    d = write(tmp_path / "ok", COMMENTS, HEADER + "7,0,0,2,1,0,1,0\n9,,0,1,0,1,,-1\n")
    m, pids, sids, groups = polis_export_read(d)
    assert pids == ["7", "9"] and sids == ["0", "1"]
    assert groups.tolist() == [0, -1]
    assert m.nnz == 3 and m[0, 1] == 0 and m[1, 1] == -1  # the pass is stored, the blank is not
    assert [c.moderated for c in polis_comments_read(d)] == [1, -1]
    assert polis_comments_read(d)[0].text == "First, with a comma"


@pytest.mark.parametrize(
    ("comments", "votes", "message"),
    [
        (COMMENTS, None, "missing file participants-votes.csv"),
        ("comment-id,comment-body\n0,x\n", HEADER, "comments.csv lacks column"),
        (COMMENTS, "participant,n-votes,0,1\n1,2,1,1\n", "must start with the columns"),
        (COMMENTS, HEADER.replace(",1\n", ",5\n") + "1,0,0,2,1,0,1,1\n", "unknown comment"),
        (COMMENTS, HEADER + "1,0,0,2,1,0,1,1\n1,0,0,2,1,0,1,1\n", "duplicated participant 1"),
        (COMMENTS, HEADER + "1,0,0,2,1,0,1,3\n", "not -1, 0 or 1"),
        (COMMENTS, HEADER + "1,0,0,2,1,0,1\n", "has 7 fields"),
        (COMMENTS, HEADER + "1,0,0,2,1,0,yes,1\n", "not a number"),
    ],
)
def test_polis_export_read_bad_input(tmp_path, comments, votes, message):
    d = write(tmp_path / "bad", comments, votes)
    with pytest.raises(ValueError, match=message):
        polis_export_read(d)


def test_polis_export_missing_comments(tmp_path):
    with pytest.raises(ValueError, match=r"missing file comments\.csv"):
        polis_export_read(tmp_path)


# ARI floors a little below the measured values (0.5625, 0.9886, 0.9289; docs/benchmarks.md). Seattle is
# low because its two 2-group splits are almost equally tight and Polis's, warm-started from every earlier
# update, is not the one a fresh start reaches (the other split is 1.4% tighter and scores 0.88).
EXPORTS = {
    "15-per-hour-seattle": 0.55,
    "scoop-hivemind.biodiversity": 0.97,
    "vtaiwan.uberx": 0.91,
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_polis_agreement(name):
    directory = DATA / name
    matrix, participant_ids, statement_ids, polis_groups = polis_export_read(directory)
    assert matrix.shape == (len(participant_ids), len(statement_ids))
    moderated_out = [j for j, c in enumerate(polis_comments_read(directory)) if c.moderated == -1]
    started = time.perf_counter()
    result = analyse(matrix, excluded_statements=moderated_out)
    seconds = time.perf_counter() - started
    assert result.enough_data
    in_polis = set(np.flatnonzero(polis_groups >= 0).tolist())
    mine = dict(zip(result.participants.tolist(), result.groups.tolist(), strict=True))
    both = sorted(in_polis & set(mine))
    assert len(both) >= 0.99 * len(in_polis)  # the same people are in the map
    ari = adjusted_rand_score(polis_groups[both], [mine[i] for i in both])
    print(
        f"\n{name}: {matrix.shape[0]} participants × {matrix.shape[1]} statements, {matrix.nnz} votes; "
        f"in map {len(mine)} (Polis {len(in_polis)}); groups {result.n_groups} (Polis "
        f"{len(set(polis_groups[both].tolist()))}); ARI {ari:.4f}; analysis {seconds:.3f} s"
    )
    assert ari >= EXPORTS[name]
    # Deterministic on real data too.
    again = analyse(matrix, excluded_statements=moderated_out)
    assert np.array_equal(result.groups, again.groups)
    assert result.positions.tobytes() == again.positions.tobytes()
