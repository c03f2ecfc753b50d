"""Axioms every consensus method must satisfy, on random profiles (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import profiles, weak_orders

from hhu_ranking.aggregation import condorcet
from hhu_ranking.aggregation.methods import METHODS, aggregate
from hhu_ranking.aggregation.profile import Ballot, Profile
from hhu_ranking.aggregation.result import MethodResult, flatten

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONDORCET_METHODS = ("kemeny", "schulze", "copeland", "ranked-pairs")


def rename(profile: Profile, sigma: list[int]) -> Profile:
    """The same ballots with alternative ``a`` renamed ``sigma[a]``."""
    names = [""] * profile.n
    for a, name in enumerate(profile.alternatives):
        names[sigma[a]] = name
    return Profile(
        names,
        (
            Ballot(tuple(tuple(sorted(sigma[a] for a in t)) for t in b.tiers), b.weight)
            for b in profile.ballots
        ),
    )


def renamed(ranking: tuple[tuple[int, ...], ...], sigma: list[int]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(sorted(sigma[a] for a in tier)) for tier in ranking)


def kemeny_optima(result: MethodResult) -> set[tuple[tuple[int, ...], ...]]:
    alternatives = {tuple(tuple(t) for t in alt) for alt in result.details["alternatives"]}
    return {result.ranking} | alternatives


@SETTINGS
@given(profiles(max_n=7, max_m=9, weighted=True))
def test_condorcet_winner_comes_first(profile: Profile) -> None:
    winner = condorcet.condorcet_winner(profile)
    for method in CONDORCET_METHODS:
        result = aggregate(profile, method)
        if winner is not None:
            assert result.ranking[0] == (winner,), method
    loser = condorcet.condorcet_loser(profile)
    if loser is not None:
        for method in ("kemeny", "schulze", "copeland", "ranked-pairs"):
            assert aggregate(profile, method).ranking[-1] == (loser,), method


@SETTINGS
@given(profiles(max_n=7, max_m=9, weighted=True), st.randoms(use_true_random=False))
def test_anonymity(profile: Profile, rnd: object) -> None:
    ballots = list(profile.ballots)
    rnd.shuffle(ballots)  # type: ignore[attr-defined]
    shuffled = Profile(profile.alternatives, ballots)
    for method in METHODS:
        # dyadic weights make every sum exact, so even details agree to the bit
        assert aggregate(shuffled, method) == aggregate(profile, method), method


@SETTINGS
@given(
    profiles(max_n=7, max_m=9, weighted=True),
    st.data(),
)
def test_neutrality(profile: Profile, data: st.DataObject) -> None:
    sigma = data.draw(st.permutations(range(profile.n)))
    other = rename(profile, list(sigma))
    for method in ("borda", "schulze", "copeland"):
        original = aggregate(profile, method)
        moved = aggregate(other, method)
        assert moved.ranking == renamed(original.ranking, list(sigma)), method
        assert {sigma[a]: s for a, s in original.scores.items()} == moved.scores
    # Kemeny: same optimum and count; the same optimal rankings when all are listed
    original = aggregate(profile, "kemeny")
    moved = aggregate(other, "kemeny")
    assert moved.details["distance"] == pytest.approx(original.details["distance"])
    assert moved.details["optimal_count"] == original.details["optimal_count"]
    assert moved.details["optimal_orders"] == original.details["optimal_orders"]
    if original.details["optimal_count"] <= 10:
        assert kemeny_optima(moved) == {renamed(r, list(sigma)) for r in kemeny_optima(original)}
    # ranked pairs: when its tie-break cannot matter the result must move along
    original = aggregate(profile, "ranked-pairs")
    if original.unique:
        assert aggregate(other, "ranked-pairs").ranking == renamed(original.ranking, list(sigma))


@SETTINGS
@given(st.integers(min_value=1, max_value=7), st.data())
def test_unanimity(n: int, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["soc", "soi", "toc", "toi"]))
    tiers = data.draw(weak_orders(n, kind))
    copies = data.draw(st.integers(min_value=1, max_value=5))
    profile = Profile([f"A{i}" for i in range(n)], [Ballot(tiers)] * copies)
    rest = tuple(sorted(set(range(n)) - {a for t in tiers for a in t}))
    expected = tiers + ((rest,) if rest else ())
    for method in METHODS:
        result = aggregate(profile, method)
        assert result.ranking == expected, method
        assert result.unique, method


@SETTINGS
@given(profiles(max_n=7, max_m=9, kinds=("soc", "toc"), weighted=True))
def test_reversing_full_ballots_reverses_borda(profile: Profile) -> None:
    reverse = Profile(
        profile.alternatives, (Ballot(b.tiers[::-1], b.weight) for b in profile.ballots)
    )
    assert aggregate(reverse, "borda").ranking == aggregate(profile, "borda").ranking[::-1]


@SETTINGS
@given(profiles(max_n=6, max_m=6), st.data())
def test_weights_equal_duplicated_ballots(profile: Profile, data: st.DataObject) -> None:
    counts = data.draw(st.lists(st.integers(1, 4), min_size=profile.m, max_size=profile.m))
    weighted = profile.with_weights([float(c) for c in counts])
    duplicated = Profile(
        profile.alternatives,
        [b for b, c in zip(profile.ballots, counts, strict=True) for _ in range(c)],
    )
    for method in METHODS:
        assert aggregate(weighted, method) == aggregate(duplicated, method), method


@SETTINGS
@given(profiles(max_n=6, max_m=6, weighted=True))
def test_rankings_are_weak_orders_over_all_alternatives(profile: Profile) -> None:
    for method in METHODS:
        result = aggregate(profile, method)
        assert sorted(flatten(result.ranking)) == list(range(profile.n)), method
        assert all(list(t) == sorted(t) and t for t in result.ranking), method
        assert set(result.scores) == set(range(profile.n)), method
        # scores reproduce the tiers: higher score, earlier tier
        position = {a: i for i, t in enumerate(result.ranking) for a in t}
        for a in range(profile.n):
            for b in range(profile.n):
                if position[a] < position[b]:
                    assert result.scores[a] > result.scores[b], method
                if position[a] == position[b]:
                    assert result.scores[a] == result.scores[b], method


def test_registry() -> None:
    assert list(METHODS) == ["borda", "kemeny", "schulze", "copeland", "ranked-pairs"]
    profile = Profile.from_orders(list("abc"), [[0, [1, 2]]])
    assert aggregate(profile, "borda", partial="zero").details["partial"] == "zero"
    assert aggregate(profile, "schulze", strength="winning").details["strength"] == "winning"
    assert aggregate(profile, "kemeny", max_alternatives=1).method == "kemeny"
    with pytest.raises(ValueError, match="unknown method"):
        aggregate(profile, "plurality")
