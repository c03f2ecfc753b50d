"""Agreement statistics: known values, direct formulas, and weights as duplication."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from strategies import profiles

from hhu_ranking.aggregation.agreement import (
    agreement,
    item_statistics,
    kendall_tau_distances,
    kendall_w,
    mean_pairwise_distance,
    pairwise_support,
    weighted_quantiles,
)
from hhu_ranking.aggregation.profile import Ballot, Profile, WeakOrder

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["Mensgericht", "Missiegedreven", "Publiek-privaat", "Zelfsturend"]


def sign(x: float) -> int:
    return int(x > 0) - int(x < 0)


def direct_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall tau distance between two tier-index rows, pair by pair."""
    n = len(a)
    total = 0.0
    for i, j in itertools.combinations(range(n), 2):
        total += abs(sign(a[i] - a[j]) - sign(b[i] - b[j])) / 2
    return total / (n * (n - 1) / 2)


def direct_kendall_w(profile: Profile) -> float:
    """The textbook formula on duplicated unit-weight ballots, with scipy's rankdata."""
    rows = []
    for ballot, row in zip(profile.ballots, profile.tier_index, strict=True):
        assert ballot.weight == int(ballot.weight)
        rows += [row] * int(ballot.weight)
    ranks = np.array([stats.rankdata(row) for row in rows])
    m, n = ranks.shape
    r = ranks.sum(axis=0)
    s = ((r - r.mean()) ** 2).sum()
    ties = 0.0
    for row in rows:
        _, counts = np.unique(row, return_counts=True)
        ties += (counts**3 - counts).sum()
    denominator = m * m * (n**3 - n) - m * ties
    return 12 * s / denominator if denominator > 0 else math.nan


@st.composite
def multiplied(draw: st.DrawFn) -> tuple[Profile, Profile]:
    """A profile with whole-number weights and the same ballots duplicated instead."""
    base = draw(profiles(min_n=2, max_n=6, max_m=6))
    counts = draw(st.lists(st.integers(1, 4), min_size=base.m, max_size=base.m))
    weighted = base.with_weights([float(c) for c in counts])
    duplicated = Profile(
        base.alternatives,
        [Ballot(b.tiers) for b, c in zip(base.ballots, counts, strict=True) for _ in range(c)],
    )
    return weighted, duplicated


# -- Kendall's W -----------------------------------------------------------------------------


def test_kendall_w_worked_example_with_ties() -> None:
    # ranks: (1, 2, 3, 4), (1, 2, 3.5, 3.5), (1.5, 1.5, 3, 4)
    # R = (3.5, 5.5, 9.5, 11.5), S = 40, sum of (t^3 - t) = 6 + 6 = 12
    # W = 12 * 40 / (3^2 (4^3 - 4) - 3 * 12) = 480 / 504 = 20 / 21
    profile = Profile.from_orders(NAMES, [[0, 1, 2, 3], [0, 1, [2, 3]], [[0, 1], 2, 3]])
    result = kendall_w(profile)
    assert result.w == pytest.approx(20 / 21, abs=1e-12)
    assert result.degrees_of_freedom == 3
    assert result.chi_square == pytest.approx(3 * 3 * 20 / 21)
    assert result.p_value == pytest.approx(stats.chi2.sf(60 / 7, 3))


def test_kendall_w_without_ties_is_the_classic_formula() -> None:
    # 4 voters, 3 items: R = (5, 8, 11), S = 18, W = 12 * 18 / (16 * 24) = 0.5625
    profile = Profile.from_orders(NAMES[:3], [[0, 1, 2], [0, 2, 1], [1, 0, 2], [0, 1, 2]])
    assert kendall_w(profile).w == pytest.approx(0.5625)


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, [0, 1], 2], [[0, 1, 2], 3], [2]])
def test_unanimity_gives_w_one(order: list) -> None:
    profile = Profile.from_orders(NAMES, [order] * 5)
    result = kendall_w(profile)
    assert result.w == pytest.approx(1.0)
    assert result.p_value < 0.05


@SETTINGS
@given(profiles(min_n=2, max_n=7, max_m=10))
def test_kendall_w_matches_the_direct_formula_and_friedman(profile: Profile) -> None:
    expected = direct_kendall_w(profile)
    result = kendall_w(profile)
    if profile.m < 2:  # one voter: undefined by design
        assert math.isnan(result.w)
        return
    if math.isnan(result.w):  # every ballot ties everything: nothing to agree on
        assert math.isnan(expected)
        return
    assert result.w == pytest.approx(expected, abs=1e-9)
    assert result.p_value == pytest.approx(
        stats.chi2.sf(profile.m * (profile.n - 1) * result.w, profile.n - 1), abs=1e-12
    )
    if profile.m >= 3 and profile.n >= 3:
        # Friedman's test with the tie correction is the same statistic
        friedman = stats.friedmanchisquare(*profile.positions.T)
        assert result.chi_square == pytest.approx(friedman.statistic, abs=1e-9)
        assert result.p_value == pytest.approx(friedman.pvalue, abs=1e-9)


def test_nothing_to_agree_on_gives_nan() -> None:
    assert math.isnan(kendall_w(Profile.from_orders(NAMES, [[], [[0, 1, 2, 3]]])).w)
    assert math.isnan(kendall_w(Profile(NAMES, [])).w)
    assert math.isnan(kendall_w(Profile.from_orders(["solo"], [[0]])).w)


def test_one_voter_is_not_agreement() -> None:
    """A single ballot agrees with itself; that says nothing, so W is undefined."""
    assert math.isnan(kendall_w(Profile.from_orders(NAMES, [[0, 1, 2, 3]])).w)
    # five identical voters grouped into one ballot do agree
    grouped = Profile.from_orders(NAMES, [[0, 1, 2, 3]], weights=[5.0])
    assert kendall_w(grouped).w == pytest.approx(1.0)


# -- Kendall tau distances -------------------------------------------------------------------


def test_distance_examples() -> None:
    profile = Profile.from_orders(NAMES, [[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 2, 3], [[0, 1, 2, 3]]])
    consensus: WeakOrder = ((0,), (1,), (2,), (3,))
    distances = kendall_tau_distances(profile, consensus)
    # identical, reversed, one swap of six pairs, everything tied (half of each pair)
    assert distances.tolist() == pytest.approx([0.0, 1.0, 1 / 6, 0.5])


@SETTINGS
@given(profiles(min_n=2, max_n=7, max_m=8), st.data())
def test_distances_match_pair_by_pair(profile: Profile, data: st.DataObject) -> None:
    from strategies import weak_orders

    consensus = data.draw(weak_orders(profile.n, "toc"))
    distances = kendall_tau_distances(profile, consensus)
    c = np.empty(profile.n)
    for t, tier in enumerate(consensus):
        c[list(tier)] = t
    for row, d in zip(profile.tier_index, distances, strict=True):
        assert d == pytest.approx(direct_distance(row, c))


@SETTINGS
@given(profiles(min_n=2, max_n=7, max_m=8))
def test_mean_pairwise_distance_is_the_mean_over_pairs_of_voters(profile: Profile) -> None:
    t = profile.tier_index
    pairs = [direct_distance(t[i], t[j]) for i, j in itertools.permutations(range(profile.m), 2)]
    value = mean_pairwise_distance(profile)
    if profile.m < 2:
        assert value == 0.0
    else:
        assert value == pytest.approx(float(np.mean(pairs)))
    assert 0.0 <= value <= 1.0


def test_mean_pairwise_distance_stays_in_range_for_fractional_weights() -> None:
    opposite = Profile.from_orders(NAMES[:2], [[0, 1], [1, 0]], weights=[0.5, 0.5])
    assert mean_pairwise_distance(opposite) == pytest.approx(1.0)
    two = Profile.from_orders(NAMES[:2], [[0, 1], [1, 0]])
    assert mean_pairwise_distance(two) == pytest.approx(1.0)


# -- per item ----------------------------------------------------------------------------------


@SETTINGS
@given(profiles(min_n=1, max_n=7, max_m=10), st.integers(1, 4))
def test_item_statistics_match_numpy(profile: Profile, top_k: int) -> None:
    items = item_statistics(profile, top_k)
    positions = profile.positions
    assert items.mean_rank == pytest.approx(positions.mean(axis=0))
    for q, got in [(0.25, items.q1_rank), (0.5, items.median_rank), (0.75, items.q3_rank)]:
        expected = np.quantile(positions, q, axis=0, method="averaged_inverted_cdf")
        assert got == pytest.approx(expected)
    assert items.iqr == pytest.approx(items.q3_rank - items.q1_rank)
    assert items.median_rank == pytest.approx(np.median(positions, axis=0))
    # each ballot hands out exactly min(k, n) top-k places and one first place
    assert items.top_k_share.sum() == pytest.approx(min(top_k, profile.n))
    assert items.first_place.sum() == pytest.approx(profile.m)
    if profile.n > 1:
        expected = positions.var(axis=0) / ((profile.n - 1) / 2) ** 2
        assert items.polarisation == pytest.approx(expected)
    assert ((items.polarisation >= 0) & (items.polarisation <= 1)).all()


def test_top_k_share_counts_a_straddling_tier_in_part() -> None:
    # tier {1, 2, 3} spans positions 2..4: two of its three places are in the top 3
    profile = Profile.from_orders(NAMES, [[0, [1, 2, 3]], [[0, 1], 2, 3]])
    items = item_statistics(profile, top_k=3)
    assert items.top_k_share.tolist() == pytest.approx(
        [1.0, (2 / 3 + 1) / 2, (2 / 3 + 1) / 2, 1 / 3]
    )
    assert items.first_place.tolist() == pytest.approx([1.5, 0.5, 0.0, 0.0])


def test_polarisation_separates_camps_from_consensus() -> None:
    camps = Profile.from_orders(NAMES, [[0, 1, 2, 3], [3, 1, 2, 0]] * 3)
    items = item_statistics(camps)
    assert items.polarisation[0] == pytest.approx(1.0)
    assert items.polarisation[3] == pytest.approx(1.0)
    assert items.polarisation[1] == pytest.approx(0.0)


def test_weighted_quantiles_match_numpy_on_duplicates() -> None:
    values = np.array([3.0, 1.0, 2.0, 5.0])
    weights = np.array([1.0, 2.0, 1.0, 2.0])
    duplicated = np.repeat(values, weights.astype(int))
    expected = np.quantile(duplicated, [0.25, 0.5, 0.75], method="averaged_inverted_cdf")
    assert weighted_quantiles(values, weights).tolist() == pytest.approx(expected.tolist())
    # scaling every weight leaves quantiles unchanged (fractional weightings rely on it)
    assert weighted_quantiles(values, weights / 7).tolist() == pytest.approx(expected.tolist())


# -- pairwise support --------------------------------------------------------------------------


def test_pairwise_support() -> None:
    profile = Profile.from_orders(NAMES[:3], [[0, 1, 2], [1, 0, 2], [[0, 1], 2], [0]])
    overall, strict = pairwise_support(profile)
    assert overall[0, 1] == pytest.approx(2 / 4)  # the [0] ballot prefers 0 over 1
    assert strict[0, 1] == pytest.approx(2 / 3)
    assert strict[1, 0] == pytest.approx(1 / 3)
    assert overall[1, 2] == pytest.approx(3 / 4)  # unranked 1 and 2 tie on the [0] ballot
    assert strict[1, 2] == pytest.approx(1.0)
    assert np.isnan(np.diag(overall)).all() and np.isnan(np.diag(strict)).all()
    nobody = Profile.from_orders(NAMES[:2], [[[0, 1]]])
    assert np.isnan(pairwise_support(nobody)[1]).all()


@SETTINGS
@given(profiles(min_n=2, max_n=6, max_m=8, weighted=True))
def test_strict_support_is_complementary(profile: Profile) -> None:
    _, strict = pairwise_support(profile)
    both = strict + strict.T
    defined = ~np.isnan(both)
    assert np.allclose(both[defined], 1.0)


# -- weights are duplication -------------------------------------------------------------------


@SETTINGS
@given(multiplied(), st.integers(1, 4))
def test_weights_equal_duplicated_ballots_for_every_statistic(
    pair: tuple[Profile, Profile], top_k: int
) -> None:
    weighted, duplicated = pair
    consensus = tuple((a,) for a in range(weighted.n))
    a = agreement(weighted, consensus, top_k=top_k)
    b = agreement(duplicated, consensus, top_k=top_k)
    for field in ("w", "chi_square", "p_value"):
        assert getattr(a.kendall, field) == pytest.approx(getattr(b.kendall, field), nan_ok=True)
    assert a.mean_pairwise_distance == pytest.approx(b.mean_pairwise_distance)
    assert a.distances is not None and b.distances is not None
    repeated = np.repeat(a.distances, weighted.weights.astype(int))
    assert repeated == pytest.approx(b.distances)
    for field in (
        "mean_rank",
        "median_rank",
        "q1_rank",
        "q3_rank",
        "iqr",
        "top_k_share",
        "first_place",
        "polarisation",
    ):
        assert getattr(a.items, field) == pytest.approx(getattr(b.items, field)), field
    assert np.allclose(a.support, b.support, equal_nan=True)
    assert np.allclose(a.strict_support, b.strict_support, equal_nan=True)


def test_empty_profile_does_not_crash() -> None:
    result = agreement(Profile(NAMES, []), ((0,), (1,), (2,), (3,)))
    assert math.isnan(result.kendall.w)
    assert math.isnan(result.mean_pairwise_distance)
    assert result.distances is not None and result.distances.size == 0
    assert np.isnan(result.items.mean_rank).all()
