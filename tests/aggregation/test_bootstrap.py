"""Bootstrap stability: reproducible, invariant to voter order and duplication, sane values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import profiles

from hhu_ranking.aggregation.bootstrap import (
    BootstrapResult,
    bootstrap_stability,
    competition_positions,
)
from hhu_ranking.aggregation.profile import Ballot, Profile

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THEMES = ["Wijkgerichte preventie", "Digitale transformatie", "Aantrekkelijke arbeidsmarkt"]


def as_tuple(result: BootstrapResult) -> tuple:
    return (
        result.place.tolist(),
        result.keeps_place.tolist(),
        result.in_top_k.tolist(),
        result.position_low.tolist(),
        result.position_high.tolist(),
        result.draws,
    )


def split_room(seed: int = 3) -> Profile:
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(5).tolist() for _ in range(40)]
    return Profile.from_orders([f"item {i}" for i in range(5)], orders)


def test_competition_positions() -> None:
    assert competition_positions(np.array([3.0, 5.0, 5.0, 1.0])).tolist() == [3, 1, 1, 4]
    rows = competition_positions(np.array([[1.0, 2.0], [2.0, 2.0]]))
    assert rows.tolist() == [[2, 1], [1, 1]]


def test_same_seed_same_result_other_seed_other_result() -> None:
    profile = split_room()
    first = bootstrap_stability(profile, samples=300, seed=7)
    again = bootstrap_stability(split_room(), samples=300, seed=7)
    other = bootstrap_stability(profile, samples=300, seed=8)
    assert as_tuple(first) == as_tuple(again)
    assert as_tuple(first) != as_tuple(other)


def test_unanimity_is_certain() -> None:
    profile = Profile.from_orders(THEMES, [[2, 0, 1]] * 9)
    result = bootstrap_stability(profile, samples=200, seed=1, top_k=2)
    assert result.place.tolist() == [2, 3, 1]
    assert result.keeps_place.tolist() == [1.0, 1.0, 1.0]
    assert result.in_top_k.tolist() == [1.0, 0.0, 1.0]
    assert result.draws == 9


def test_a_clear_winner_is_stable_and_a_coin_flip_is_not() -> None:
    orders = [[0, 1, 2]] * 30 + [[0, 2, 1]] * 30  # items 1 and 2 tie for second
    result = bootstrap_stability(Profile.from_orders(THEMES, orders), samples=500, seed=2)
    assert result.keeps_place[0] > 0.99
    assert 0.2 < result.keeps_place[1] < 0.8
    assert result.in_top_k.tolist() == [1.0, 1.0, 1.0]  # only three items: all are in the top 3


def test_ties_in_the_reference_share_a_place() -> None:
    profile = Profile.from_orders(THEMES, [[0, 1, 2], [1, 0, 2]])
    result = bootstrap_stability(profile, samples=400, seed=0, top_k=1)
    assert result.place.tolist() == [1, 1, 3]
    # item 0 is (jointly) first unless the second ballot is drawn twice: 3/4 of the time
    assert result.keeps_place[0] == pytest.approx(0.75, abs=0.1)
    assert result.in_top_k[0] == result.keeps_place[0]
    assert result.keeps_place[2] == 1.0


@SETTINGS
@given(profiles(min_n=2, max_n=6, max_m=8), st.randoms(use_true_random=False))
def test_voter_order_does_not_matter(profile: Profile, random: object) -> None:
    ballots = list(profile.ballots)
    random.shuffle(ballots)  # type: ignore[attr-defined]
    shuffled = Profile(profile.alternatives, ballots)
    a = bootstrap_stability(profile, samples=50, seed=5)
    b = bootstrap_stability(shuffled, samples=50, seed=5)
    assert as_tuple(a) == as_tuple(b)


@SETTINGS
@given(profiles(min_n=2, max_n=6, max_m=6), st.data())
def test_whole_weights_equal_duplicated_ballots(profile: Profile, data: st.DataObject) -> None:
    counts = data.draw(st.lists(st.integers(1, 3), min_size=profile.m, max_size=profile.m))
    weighted = profile.with_weights([float(c) for c in counts])
    duplicated = Profile(
        profile.alternatives,
        [Ballot(b.tiers) for b, c in zip(profile.ballots, counts, strict=True) for _ in range(c)],
    )
    a = bootstrap_stability(weighted, samples=50, seed=11, top_k=2)
    b = bootstrap_stability(duplicated, samples=50, seed=11, top_k=2)
    assert as_tuple(a) == as_tuple(b)


def test_fractional_weights_draw_the_number_of_ballots() -> None:
    profile = Profile.from_orders(THEMES, [[0, 1, 2], [1, 0, 2], [1, 2, 0]], [0.5, 0.25, 0.25])
    result = bootstrap_stability(profile, samples=100, seed=0)
    assert result.draws == 3
    assert result.keeps_place.min() >= 0.0 and result.keeps_place.max() <= 1.0


def test_probabilities_are_consistent() -> None:
    result = bootstrap_stability(split_room(), samples=200, seed=4, top_k=2)
    # exactly two positions <= 2 per resample unless ties put more items there
    assert result.in_top_k.sum() >= 2.0 - 1e-12
    assert (result.position_low <= result.position_high).all()


def test_kemeny_bootstrap() -> None:
    pytest.importorskip("hhu_ranking.aggregation.kemeny")
    orders = [[0, 1, 2]] * 6 + [[1, 2, 0]] * 4 + [[2, 0, 1]] * 3
    profile = Profile.from_orders(THEMES, orders)
    result = bootstrap_stability(profile, samples=60, seed=3, method="kemeny")
    again = bootstrap_stability(profile, samples=60, seed=3, method="kemeny")
    assert as_tuple(result) == as_tuple(again)
    assert result.method == "kemeny"
    unanimous = bootstrap_stability(
        Profile.from_orders(THEMES, [[1, 0, 2]] * 4), samples=30, seed=0, method="kemeny"
    )
    assert unanimous.keeps_place.tolist() == [1.0, 1.0, 1.0]


def test_bad_arguments() -> None:
    profile = split_room()
    with pytest.raises(ValueError, match="method"):
        bootstrap_stability(profile, method="plurality")
    with pytest.raises(ValueError, match="samples"):
        bootstrap_stability(profile, samples=0)
    with pytest.raises(ValueError, match="ballot"):
        bootstrap_stability(Profile(THEMES, []))
