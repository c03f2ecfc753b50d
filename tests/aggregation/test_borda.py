"""Borda count: full ballots, the partial-ballot rules, ties and weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import profiles

from hhu_ranking.aggregation.borda import PARTIAL_RULES, borda, borda_points, borda_scores
from hhu_ranking.aggregation.profile import Profile

SETTINGS = settings(max_examples=60, deadline=None)


def naive_points(profile: Profile, rule: str) -> np.ndarray:
    """A ballot-by-ballot reading of the documented rules, as a reference."""
    n = profile.n
    out = np.zeros((profile.m, n))
    for row, ballot in enumerate(profile.ballots):
        ranked = sorted(ballot.ranked)
        k = len(ranked)
        start = 0
        for tier in ballot.tiers:
            # the positions the tier spans are start+1 .. start+len(tier)
            if rule == "modified":
                pts = [k - p for p in range(start, start + len(tier))]
            else:
                pts = [n - 1 - p for p in range(start, start + len(tier))]
            for a in tier:
                out[row, a] = sum(pts) / len(tier)
            start += len(tier)
        rest = [a for a in range(n) if a not in ballot.ranked]
        for a in rest:
            if rule == "average":
                out[row, a] = sum(n - 1 - p for p in range(start, n)) / len(rest)
            else:
                out[row, a] = 0.0
    return out


def test_full_ballots_give_n_minus_one_down_to_zero() -> None:
    profile = Profile.from_orders(list("abcd"), [[2, 0, 3, 1]])
    assert borda(profile).scores == {2: 3.0, 0: 2.0, 3: 1.0, 1: 0.0}
    assert borda(profile).ranking == ((2,), (0,), (3,), (1,))
    # on full strict ballots every rule agrees up to a constant per ballot
    for rule in PARTIAL_RULES:
        assert borda(profile, partial=rule).ranking == ((2,), (0,), (3,), (1,))


def test_partial_rules_worked_example() -> None:
    profile = Profile.from_orders(list("abcd"), [[0, 1, 2, 3], [1, [0, 2]], [3]], weights=[2, 1, 1])
    # average: [1, [0, 2]] gives b 3, a and c (2 + 1) / 2; [3] gives d 3, the rest 1 each
    assert borda(profile).scores == {0: 8.5, 1: 8.0, 2: 4.5, 3: 3.0}
    assert borda(profile, partial="zero").scores == {0: 7.5, 1: 7.0, 2: 3.5, 3: 3.0}
    assert borda(profile, partial="modified").scores == {0: 9.5, 1: 9.0, 2: 5.5, 3: 3.0}
    assert borda(profile, partial="zero").details["partial"] == "zero"


def test_ties_stay_ties() -> None:
    profile = Profile.from_orders(list("abc"), [[0, 1, 2], [1, 0, 2]])
    result = borda(profile)
    assert result.ranking == ((0, 1), (2,))
    assert result.position_of(1) == 1 and result.position_of(2) == 3


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="partial"):
        borda(Profile.from_orders(list("ab"), [[0, 1]]), partial="dowdall")  # type: ignore[arg-type]


def test_no_ballots() -> None:
    result = borda(Profile(list("abc"), []))
    assert result.ranking == ((0, 1, 2),)
    assert borda_scores(Profile(list("abc"), [])).tolist() == [0.0, 0.0, 0.0]


@SETTINGS
@given(profiles(max_n=7, max_m=8, weighted=True))
def test_vectorised_points_match_the_rules(profile: Profile) -> None:
    for rule in PARTIAL_RULES:
        np.testing.assert_allclose(borda_points(profile, rule), naive_points(profile, rule))


@SETTINGS
@given(profiles(max_n=7, max_m=8, weighted=True))
def test_averaged_borda_is_the_pairwise_count(profile: Profile) -> None:
    # points = items below + half the items tied with (unranked ones included)
    p = profile.pairwise
    expected = p.sum(axis=1) + 0.5 * (profile.total_weight * (profile.n - 1) - p.sum(1) - p.sum(0))
    np.testing.assert_allclose(borda_scores(profile), expected, atol=1e-9)


@SETTINGS
@given(profiles(max_n=7, max_m=8, kinds=("soc",), weighted=True))
def test_points_per_full_ballot_sum_to_a_triangle(profile: Profile) -> None:
    total = borda_scores(profile).sum()
    assert total == pytest.approx(profile.total_weight * profile.n * (profile.n - 1) / 2)
