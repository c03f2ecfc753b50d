"""Exact Kemeny-Young: brute force agreement, every solver path, ties, time limits."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import profiles

from hhu_ranking.aggregation import kemeny as kemeny_module
from hhu_ranking.aggregation.kemeny import kemeny, kemeny_distance, solve_kemeny
from hhu_ranking.aggregation.profile import Profile
from hhu_ranking.aggregation.result import flatten

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def brute_force(p: np.ndarray) -> tuple[float, list[tuple[int, ...]]]:
    """Every permutation's distance: the optimum and all optimal orders."""
    n = p.shape[0]
    costs = {o: kemeny_distance(p, o) for o in itertools.permutations(range(n))}
    best = min(costs.values())
    tol = 1e-9 * max(1.0, p.sum())
    return best, [o for o, c in costs.items() if c <= best + tol]


def tie_break_first(p: np.ndarray, orders: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The documented rule: lexicographically first along averaged Borda, then index."""
    sums = (p - p.T).sum(axis=1)
    t = sorted(range(p.shape[0]), key=lambda a: (-round(sums[a], 6), a))
    rank = {a: r for r, a in enumerate(t)}
    return min(orders, key=lambda o: [rank[a] for a in o])


def ic_pairwise(n: int, m: int, seed: int) -> np.ndarray:
    """Weighted pairwise matrix of ``m`` impartial-culture voters."""
    rng = np.random.default_rng(seed)
    pos = np.argsort(rng.random((m, n)), axis=1)
    return (pos[:, :, None] < pos[:, None, :]).sum(axis=0).astype(float)


#: the module's own thresholds, before any test changes them
DP_MAX, IDEAL_BUDGET = kemeny_module.DP_MAX, kemeny_module.IDEAL_BUDGET
PATHS = ("dp", "lp", "milp")


def force_path(mp: pytest.MonkeyPatch, path: str) -> None:
    """Make the solver take one exact path: subset DP, LP + precedence DP, MILP + no-good cuts."""
    mp.setattr(kemeny_module, "DP_MAX", DP_MAX if path == "dp" else 1)
    mp.setattr(kemeny_module, "IDEAL_BUDGET", 1 if path == "milp" else IDEAL_BUDGET)


@pytest.fixture(params=PATHS)
def solver_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    force_path(monkeypatch, request.param)
    return str(request.param)


@SETTINGS
@given(profiles(max_n=6, max_m=6, weighted=True))
def test_matches_brute_force_on_every_path(profile: Profile) -> None:
    p = profile.pairwise
    best, optimal = brute_force(p)
    expected = tie_break_first(p, optimal)
    for path in PATHS:
        with pytest.MonkeyPatch.context() as mp:
            force_path(mp, path)
            sol = solve_kemeny(p)
        assert sol.distance == pytest.approx(best, abs=1e-9)
        assert sol.optimal and not sol.time_limit_hit and sol.gap == 0
        assert sol.order == expected, path
        assert sol.tie_break_exact
        if sol.count_exact:
            assert sol.optimal_orders == len(optimal)
        else:  # only the MILP path stops counting, past the cap
            assert sol.optimal_orders > 10
        assert sol.unique == (len(optimal) == 1 or _only_free_ties(sol, optimal))
        for alternative in sol.alternatives:
            assert kemeny_distance(p, flatten(alternative)) == pytest.approx(best, abs=1e-9)
        assert len(set(sol.alternatives)) == len(sol.alternatives)
        assert sol.ranking not in sol.alternatives


def _only_free_ties(sol: kemeny_module.KemenySolution, optimal: list) -> bool:
    """Unique as shown: every optimum is the ranking with its tied tiers reordered."""
    tiers = [set(t) for t in sol.ranking]
    return all([set(o[i : i + len(t)]) for i, t in _offsets(tiers)] == tiers for o in optimal)


def _offsets(tiers: list[set[int]]) -> list[tuple[int, set[int]]]:
    out, start = [], 0
    for t in tiers:
        out.append((start, t))
        start += len(t)
    return out


@SETTINGS
@given(profiles(min_n=2, max_n=7, max_m=8))
def test_no_permutation_is_better(profile: Profile) -> None:
    result = kemeny(profile)
    best, optimal = brute_force(profile.pairwise)
    assert result.details["distance"] == pytest.approx(best, abs=1e-9)
    assert tuple(result.details["order"]) in optimal
    assert result.details["optimal_orders"] == len(optimal)


@pytest.mark.parametrize("seed", range(4))
def test_paths_agree_on_larger_ic_profiles(seed: int, solver_path: str) -> None:
    """n = 12, too many orders for brute force: each path is checked against another one
    (the DP against the MILP, the LP and the MILP against the DP)."""
    p = ic_pairwise(12, 5 + 2 * seed, seed)
    with pytest.MonkeyPatch.context() as mp:
        force_path(mp, "milp" if solver_path == "dp" else "dp")
        reference = solve_kemeny(p, max_alternatives=3)
    sol = solve_kemeny(p, max_alternatives=3)
    # one of the two solves used the subset DP only, the other the LP (lp, lp+dp, milp...)
    assert ("lp" in sol.algorithm) == (solver_path != "dp")
    assert ("lp" in reference.algorithm) == (solver_path == "dp")
    assert sol.distance == pytest.approx(reference.distance)
    assert sol.order == reference.order
    if sol.count_exact:
        assert sol.optimal_count == reference.optimal_count
    else:
        assert sol.optimal_count > 3
    assert sol.unique == reference.unique


@pytest.mark.parametrize("n,m", [(20, 5000), (30, 5000), (30, 7), (25, 40)])
def test_large_profiles_are_proven_optimal(n: int, m: int) -> None:
    p = ic_pairwise(n, m, n + m)
    sol = solve_kemeny(p)
    assert sol.optimal and sol.gap == 0 and not sol.time_limit_hit
    assert sol.distance == pytest.approx(kemeny_distance(p, sol.order))
    assert sorted(sol.order) == list(range(n))
    # no single insertion move improves a proven optimum
    for src, dst in itertools.permutations(range(n), 2):
        moved = list(sol.order)
        moved.insert(dst, moved.pop(src))
        assert kemeny_distance(p, moved) >= sol.distance - 1e-9


def test_condorcet_order_is_split_into_singletons() -> None:
    profile = Profile.from_orders(list("abcde"), [[0, 1, 2, 3, 4]] * 3 + [[4, 3, 2, 1, 0]] * 2)
    result = kemeny(profile)
    assert result.ranking == ((0,), (1,), (2,), (3,), (4,))
    assert result.unique and result.details["optimal_count"] == 1
    assert result.details["distance"] == 2 * 10


def test_cycle_reports_every_optimum() -> None:
    # the Condorcet paradox: each rotation is optimal
    profile = Profile.from_orders(list("abc"), [[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    result = kemeny(profile)
    assert not result.unique
    assert result.details["optimal_count"] == 3
    assert result.details["optimal_count_exact"]
    orders = [result.details["order"]] + [flatten(a) for a in result.details["alternatives"]]
    assert sorted(map(tuple, orders)) == [(0, 1, 2), (1, 2, 0), (2, 0, 1)]
    # equal Borda scores: the tie-break falls to the index
    assert result.details["order"] == [0, 1, 2]


def test_exact_ties_are_shown_as_a_tier() -> None:
    # nobody ranks c, d or e: they tie below a and b, in every optimal order
    profile = Profile.from_orders(list("abcde"), [[0, 1], [0, 1], [1, 0]])
    result = kemeny(profile)
    assert result.ranking == ((0,), (1,), (2, 3, 4))
    assert result.unique
    assert result.details["optimal_count"] == 1
    assert result.details["optimal_orders"] == 6
    assert result.scores[2] == result.scores[3] == result.scores[4] == 1.0


def test_opposite_voters_tie_everything() -> None:
    profile = Profile.from_orders(list("abcd"), [[0, 1, 2, 3], [3, 2, 1, 0]])
    result = kemeny(profile)
    assert result.ranking == ((0, 1, 2, 3),)
    assert result.unique and result.details["optimal_orders"] == 24


def test_edge_cases() -> None:
    assert kemeny(Profile(["only"], [])).ranking == ((0,),)
    empty = kemeny(Profile(list("abc"), []))
    assert empty.ranking == ((0, 1, 2),)
    assert empty.details["distance"] == 0


def test_zero_time_limit_is_never_silent() -> None:
    p = ic_pairwise(25, 11, 3)
    sol = solve_kemeny(p, time_limit=0.0)
    assert sol.time_limit_hit
    assert not sol.count_exact and not sol.unique
    assert sorted(sol.order) == list(range(25))
    assert sol.lower_bound <= sol.distance
    assert sol.gap == pytest.approx(sol.distance - sol.lower_bound)
    exact = solve_kemeny(p)
    assert sol.lower_bound <= exact.distance + 1e-9 <= sol.distance + 1e-9


def test_details_are_json_and_deterministic() -> None:
    p = ic_pairwise(16, 6, 1)
    profile = Profile.from_orders(
        [f"item {i}" for i in range(16)],
        [list(np.random.default_rng(s).permutation(16)) for s in range(6)],
    )
    first = kemeny(profile)
    again = kemeny(Profile(profile.alternatives, reversed(profile.ballots)))
    assert json.dumps(first.details, sort_keys=True) == json.dumps(again.details, sort_keys=True)
    assert first.ranking == again.ranking
    assert solve_kemeny(p) == solve_kemeny(p)


def test_distance_convention_ignores_ballot_ties() -> None:
    # one ballot ties a and b: neither order of a and b costs anything
    profile = Profile.from_orders(list("ab"), [[[0, 1]]])
    assert kemeny_distance(profile.pairwise, [0, 1]) == 0
    assert kemeny_distance(profile.pairwise, [1, 0]) == 0
    assert kemeny(profile).ranking == ((0, 1),)


@pytest.mark.parametrize("n,m,seed", [(18, 5000, 10), (20, 51, 4)])
def test_fractional_lp_falls_back_to_an_exact_milp(
    n: int, m: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """These LPs are fractional: the ideal DP solves them; so must the MILP path."""
    p = ic_pairwise(n, m, seed)
    reference = solve_kemeny(p)
    assert "lp+dp" in reference.algorithm
    monkeypatch.setattr(kemeny_module, "IDEAL_BUDGET", 1)
    sol = solve_kemeny(p)
    assert "milp" in sol.algorithm
    assert sol.distance == reference.distance
    assert sol.order == reference.order
    assert sol.optimal_count == reference.optimal_count and sol.count_exact
    assert sol.optimal and sol.gap == 0
