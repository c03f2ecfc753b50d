"""Cross-checks against pref_voting, an independent implementation, on random profiles.

pref_voting is a test dependency only (its numba start-up costs seconds), so it
is imported here and nowhere in the package. Its conventions, mapped to ours:
- unranked alternatives sit below the ranked ones: its "extended strict
  preference", switched on for profiles with ties or top-k ballots;
- its symmetric Borda score (items below minus items above) is
  ``2 * ours - (n - 1) * weight`` under our averaged rule;
- its Copeland scores with ``scores=(1, 0.5, 0)`` are ours;
- its Schulze (``beat_path``) uses margins, as our default does;
- its ``ranked_pairs_tb`` with our tie-break order is our ranked pairs;
- its Kemeny-Young enumerates every order (so only small n here).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import profiles

from hhu_ranking.aggregation.borda import borda_scores
from hhu_ranking.aggregation.condorcet import copeland, ranked_pairs, schulze, tie_break_order
from hhu_ranking.aggregation.kemeny import kemeny
from hhu_ranking.aggregation.profile import Profile

pytest.importorskip("pref_voting")

from pref_voting.margin_based_methods import beat_path, ranked_pairs_tb  # noqa: E402
from pref_voting.other_methods import kemeny_young, kemeny_young_rankings  # noqa: E402
from pref_voting.profiles import Profile as PVProfile  # noqa: E402
from pref_voting.profiles_with_ties import ProfileWithTies  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def counted(max_n: int = 6, kinds: tuple[str, ...] = ("soc", "soi", "toc", "toi")):
    """Profiles with small integer weights (pref_voting counts voters)."""
    return st.builds(
        lambda p, counts: p.with_weights([float(c) for c in counts[: p.m]]),
        profiles(max_n=max_n, max_m=8, kinds=kinds),
        st.lists(st.integers(1, 3), min_size=8, max_size=8),
    )


def to_pref_voting(profile: Profile) -> PVProfile | ProfileWithTies:
    counts = [int(b.weight) for b in profile.ballots]
    if profile.kind() == "soc":
        return PVProfile([[a for t in b.tiers for a in t] for b in profile.ballots], counts)
    rankings = [{a: r + 1 for r, tier in enumerate(b.tiers) for a in tier} for b in profile.ballots]
    out = ProfileWithTies(rankings, counts, candidates=list(range(profile.n)))
    out.use_extended_strict_preference()
    return out


def expand(ranking: tuple[tuple[int, ...], ...]) -> set[tuple[int, ...]]:
    """Every strict order that lists the tiers in turn."""
    return {
        tuple(a for part in parts for a in part)
        for parts in itertools.product(*(itertools.permutations(t) for t in ranking))
    }


@SETTINGS
@given(counted(max_n=7))
def test_borda(profile: Profile) -> None:
    theirs = to_pref_voting(profile).borda_scores()
    ours = borda_scores(profile)
    n, weight = profile.n, profile.total_weight
    for a in range(n):
        if profile.kind() == "soc":
            assert ours[a] == pytest.approx(theirs[a])
        else:
            assert 2 * ours[a] - (n - 1) * weight == pytest.approx(theirs[a])


@SETTINGS
@given(counted(max_n=7))
def test_copeland(profile: Profile) -> None:
    theirs = to_pref_voting(profile).copeland_scores(scores=(1, 0.5, 0))
    assert copeland(profile).scores == pytest.approx({a: theirs[a] for a in range(profile.n)})


@SETTINGS
@given(counted(max_n=7))
def test_schulze_winners(profile: Profile) -> None:
    theirs = beat_path(to_pref_voting(profile))
    assert list(schulze(profile).ranking[0]) == sorted(theirs)


@SETTINGS
@given(profiles(max_n=7, max_m=9, kinds=("soc",)).filter(lambda p: p.m % 2 == 1))
def test_ranked_pairs(profile: Profile) -> None:
    # an odd number of full ballots: no zero margins (pref_voting would lock those too)
    assert ((profile.margins != 0) | np.eye(profile.n, dtype=bool)).all()
    theirs = ranked_pairs_tb(to_pref_voting(profile), tie_breaker=tie_break_order(profile))
    assert ranked_pairs(profile).ranking[0] == tuple(theirs)


@SETTINGS
@given(counted(max_n=6, kinds=("soc",)))
def test_kemeny_full_ballots(profile: Profile) -> None:
    orders, distance = kemeny_young_rankings(to_pref_voting(profile))
    ours = kemeny(profile, max_alternatives=1000)
    assert ours.details["distance"] == pytest.approx(float(distance))
    optimal = set().union(
        *(
            expand(r)
            for r in [ours.ranking, *[tuple(map(tuple, a)) for a in ours.details["alternatives"]]]
        )
    )
    assert optimal == {tuple(o) for o in orders}
    assert ours.details["optimal_orders"] == len(set(map(tuple, orders)))


@SETTINGS
@given(counted(max_n=6))
def test_kemeny_winners_with_ties(profile: Profile) -> None:
    theirs = kemeny_young(to_pref_voting(profile))
    ours = kemeny(profile, max_alternatives=1000)
    rankings = [ours.ranking, *[tuple(map(tuple, a)) for a in ours.details["alternatives"]]]
    assert sorted({a for r in rankings for a in r[0]}) == sorted(theirs)
