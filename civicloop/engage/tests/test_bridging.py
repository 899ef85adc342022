"""Bridging rank (engage.bridging): support across opinion sides outranks one bloc's numbers."""

import numpy as np
import pytest

from civicloop.engage import bridging
from civicloop.engage.bridging import BridgingRank, bridging_rank


def rank_of(matrix: np.ndarray, *, idea_ids=None, posted=None, last_active=None) -> BridgingRank:
    """Rank from a participants × ideas matrix of supports (True: supports); everyone saw every idea
    unless posting times and last-active times say otherwise."""
    people, ideas = np.nonzero(matrix)
    n, m = matrix.shape
    ids = np.arange(1, m + 1) if idea_ids is None else np.asarray(idea_ids)
    return bridging_rank(
        idea_ids=ids,
        idea_posted=np.zeros(m) if posted is None else np.asarray(posted, dtype=float),
        support_participant_ids=people + 1000,
        support_idea_ids=ids[ideas],
        participant_ids=np.arange(n) + 1000,
        participant_last_active=np.ones(n) if last_active is None else np.asarray(last_active, dtype=float),
    )


def two_blocs(
    *, bloc_a: int, bloc_b: int, everyone_rate: float, ideas: int = 20, seed: int = 1
) -> np.ndarray:
    """Bloc A supports idea 1 (X) only, bloc B idea 2 (Y) only; everyone supports idea 3 (Z) at
    `everyone_rate`; the other ideas get a few supports from anyone (10 %)."""
    rng = np.random.default_rng(seed)
    n = bloc_a + bloc_b
    matrix = rng.random((n, ideas)) < 0.1
    matrix[:, :3] = False
    matrix[:bloc_a, 0] = True
    matrix[bloc_a:, 1] = True
    matrix[:, 2] = rng.random(n) < everyone_rate
    return matrix


@pytest.mark.parametrize(("bloc_a", "bloc_b", "ideas"), [(100, 30, 8), (200, 30, 20), (400, 60, 40)])
def test_an_idea_everyone_supports_outranks_the_big_blocs_idea(bloc_a, bloc_b, ideas):
    # Given a big bloc A behind X, a small bloc B behind Y, and Z supported by 70 % of everyone
    matrix = two_blocs(bloc_a=bloc_a, bloc_b=bloc_b, everyone_rate=0.7, ideas=ideas)
    supports = matrix.sum(axis=0)
    assert supports[0] == supports.max() > supports[2]  # X has the most supports

    # When the ideas are ranked
    ranked = rank_of(matrix).idea_ids

    # Then Z comes first, and X below it (and below Y's mirror image is not required)
    assert ranked[0] == 3
    assert ranked.index(3) < ranked.index(1)


def test_without_sides_the_most_supported_ideas_come_first():
    # Given one crowd whose support rates rise with the idea number, and no blocs
    rng = np.random.default_rng(7)
    rates = np.linspace(0.05, 0.6, 10)
    matrix = rng.random((300, 10)) < rates

    ranked = rank_of(matrix)

    assert ranked.idea_ids[:3] == [10, 9, 8]
    assert ranked.idea_ids[-1] == 1
    assert not ranked.ready  # nothing to bridge: the default order stays


def test_the_same_supports_give_the_same_order_and_scores_bit_for_bit():
    matrix = two_blocs(bloc_a=200, bloc_b=30, everyone_rate=0.6, ideas=30, seed=3)

    first, second = rank_of(matrix), rank_of(matrix)
    rows, cols = np.nonzero(matrix)
    seen = np.full(matrix.shape[0], matrix.shape[1])
    fits = [
        bridging.bridging_fit_balanced(
            support_participants=rows, support_ideas=cols, seen=seen, n_ideas=30, opposed=(0, 1)
        )
        for _ in range(2)
    ]

    assert first == second
    assert fits[0].idea_intercepts.tobytes() == fits[1].idea_intercepts.tobytes()
    assert fits[0].participant_factors.tobytes() == fits[1].participant_factors.tobytes()


def test_the_order_does_not_depend_on_the_order_the_supports_come_in():
    matrix = two_blocs(bloc_a=100, bloc_b=40, everyone_rate=0.6, ideas=12, seed=5)
    people, ideas = np.nonzero(matrix)
    shuffle = np.random.default_rng(0).permutation(people.size)
    common = {
        "idea_ids": np.arange(1, 13),
        "idea_posted": np.zeros(12),
        "participant_ids": np.arange(140),
        "participant_last_active": np.ones(140),
    }

    in_order = bridging_rank(support_participant_ids=people, support_idea_ids=ideas + 1, **common)
    shuffled = bridging_rank(
        support_participant_ids=people[shuffle], support_idea_ids=ideas[shuffle] + 1, **common
    )

    assert in_order == shuffled


def test_two_blocs_make_bridging_ready_and_random_supports_do_not():
    blocs = rank_of(two_blocs(bloc_a=120, bloc_b=60, everyone_rate=0.6, ideas=8))
    rng = np.random.default_rng(11)
    noise = rank_of(rng.random((400, 30)) < rng.uniform(0.05, 0.3, 30))

    assert blocs.sides_found and blocs.ready
    assert not noise.sides_found and not noise.ready


def test_too_few_supporters_is_not_ready_even_with_blocs(monkeypatch):
    matrix = two_blocs(bloc_a=30, bloc_b=15, everyone_rate=0.6, ideas=8)

    ranked = rank_of(matrix)

    assert ranked.supporters == 45 < bridging.MIN_SUPPORTERS
    assert not ranked.ready


def test_an_idea_no_one_could_have_seen_yet_comes_after_the_scored_ideas():
    # Given ideas 1-4 posted at time 0 and seen by all, and idea 5 posted after everyone's last support
    rng = np.random.default_rng(2)
    matrix = rng.random((60, 5)) < [0.2, 0.5, 0.3, 0.1, 0.0]
    ranked = rank_of(matrix, posted=[0, 0, 0, 0, 5], last_active=np.ones(60))

    assert ranked.scored == 4
    assert ranked.idea_ids[-1] == 5
    assert ranked.idea_ids[0] == 2


def test_a_participant_did_not_see_ideas_posted_after_their_last_support():
    # Given idea 2 posted after all of 50 early supporters left, and supported by every one of 10 later ones
    early, late = np.zeros((50, 3), dtype=bool), np.zeros((10, 3), dtype=bool)
    early[:, 0] = np.arange(50) < 20  # idea 1: 20 of 50 early supporters
    early[:, 2] = True  # idea 3 posted first: everyone supports it… early ones
    late[:, 1] = True
    matrix = np.vstack([early, late])

    ranked = rank_of(matrix, posted=[0, 10, 0], last_active=np.r_[np.ones(50), np.full(10, 20)])

    # Then idea 2 is judged by the 10 who saw it (all support it), not by the 50 who never could have
    assert ranked.idea_ids.index(2) < ranked.idea_ids.index(1)


def test_supports_of_unknown_ideas_or_people_are_ignored_and_empty_input_ranks_nothing():
    empty = bridging_rank(
        idea_ids=np.array([], dtype=np.int64),
        idea_posted=np.array([]),
        support_participant_ids=np.array([1]),
        support_idea_ids=np.array([99]),
        participant_ids=np.array([1]),
        participant_last_active=np.array([1.0]),
    )

    assert empty.idea_ids == [] and empty.supporters == 0 and not empty.ready


def visits(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n people, each visiting once at a random time and supporting 1-9 of the ideas posted by then."""
    rng = np.random.default_rng(seed)
    posted = np.sort(rng.uniform(0, 100, m))
    visit = rng.uniform(posted[0], 100, n)
    available = np.searchsorted(posted, visit, side="right")
    people = np.repeat(np.arange(n), rng.integers(1, 10, n))
    ideas = (rng.random(people.size) * available[people]).astype(np.int64)
    return posted, visit, people, ideas


def test_5000_supporters_and_300_ideas_rank_the_late_favourite_first():
    posted, visit, people, ideas = visits(5000, 300)
    # Two blocs on top: 1,500 people back idea 101, 500 others idea 102 (both there when they came),
    # and a fifth of everyone who came after idea 151 was posted supports it.
    late = np.flatnonzero(visit >= posted[101])
    liked = np.flatnonzero((visit >= posted[150]) & (np.arange(5000) % 5 == 0))
    people = np.r_[people, late[:1500], late[1500:2000], liked]
    ideas = np.r_[ideas, np.full(1500, 100), np.full(500, 101), np.full(liked.size, 150)]

    # Its speed is the forums benchmark's to measure (docs/benchmarks.md), not a timed test's.
    ranked = bridging_rank(
        idea_ids=np.arange(300) + 1,
        idea_posted=posted,
        support_participant_ids=people,
        support_idea_ids=ideas + 1,
        participant_ids=np.arange(5000),
        participant_last_active=visit,
    )

    assert len(ranked.idea_ids) == 300 and ranked.ready
    assert ranked.idea_ids[0] == 151


def test_random_supports_over_time_do_not_favour_new_or_old_ideas():
    # Given people who visit at random times and support ideas posted by then, at random
    posted, visit, people, ideas = visits(5000, 300, seed=4)

    ranked = bridging_rank(
        idea_ids=np.arange(300),
        idea_posted=posted,
        support_participant_ids=people,
        support_idea_ids=ideas,
        participant_ids=np.arange(5000),
        participant_last_active=visit,
    )

    # Then the top 30 are not the newest or the oldest ideas (all 30 among the oldest: mean 15)
    top = np.array(ranked.idea_ids[:30])
    assert 60 < top.mean() < 240
