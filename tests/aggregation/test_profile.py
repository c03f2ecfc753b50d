"""A profile accepts exactly the weak orders over its alternatives, and names what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhu_ranking.aggregation.profile import Ballot, Profile, ProfileError

N = 4


def _problem(tiers: tuple[tuple[int, ...], ...], n: int) -> str | None:
    """What is wrong with a ballot, checked the slow and obvious way."""
    seen: set[int] = set()
    for tier in tiers:
        if not tier:
            return "empty tier"
        for a in tier:
            if not 0 <= a < n:
                return f"unknown alternative {a}"
            if a in seen:
                return f"alternative {a} appears twice"
            seen.add(a)
    return None


tiers_strategy = st.lists(
    st.lists(st.integers(min_value=-1, max_value=N), max_size=3).map(tuple), max_size=5
).map(tuple)


@given(st.lists(tiers_strategy, min_size=1, max_size=6))
def test_a_profile_refuses_exactly_the_ballots_that_are_no_weak_order(ballots):
    alternatives = [f"a{i}" for i in range(N)]
    problems = [(n, _problem(t, N)) for n, t in enumerate(ballots, start=1)]
    first = next(((n, p) for n, p in problems if p is not None), None)
    if first is None:
        profile = Profile(alternatives, (Ballot(t) for t in ballots))
        assert [b.tiers for b in profile.ballots] == list(ballots)
    else:
        with pytest.raises(ProfileError) as refused:
            Profile(alternatives, (Ballot(t) for t in ballots))
        assert str(refused.value) == f"ballot {first[0]}: {first[1]}"


@pytest.mark.parametrize("weight", [0.0, -1.0, float("nan"), float("inf")])
def test_reweighing_still_refuses_a_weight_that_is_no_positive_number(weight):
    profile = Profile(["a", "b"], [Ballot(((0,), (1,))), Ballot(((1,), (0,)))])
    with pytest.raises(ProfileError, match="ballot 2: weight must be a positive number"):
        profile.with_weights([1.0, weight])
    with pytest.raises(ProfileError, match="weight must be a positive number"):
        Profile(["a", "b"], [Ballot(((0,),), weight)])


def test_reweighing_keeps_the_orders_and_merging_sums_the_weights():
    profile = Profile(
        ["a", "b"], [Ballot(((0,), (1,))), Ballot(((1,), (0,))), Ballot(((0,), (1,)))]
    )
    reweighed = profile.with_weights([2.0, 1.0, 0.5])
    assert [b.tiers for b in reweighed.ballots] == [b.tiers for b in profile.ballots]
    assert list(reweighed.weights) == [2.0, 1.0, 0.5]
    merged = reweighed.compressed()
    assert {b.tiers: b.weight for b in merged.ballots} == {((0,), (1,)): 2.5, ((1,), (0,)): 1.0}
    assert merged.alternatives == profile.alternatives


def _outcome(alternatives: list[str], ballots: list[Ballot]) -> tuple[str, object]:
    try:
        return "kept", [b.tiers for b in Profile(alternatives, ballots).ballots]
    except ProfileError as refused:
        return "refused", str(refused)


@given(
    st.lists(tiers_strategy, min_size=1, max_size=4),
    st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=12),
)
def test_one_ballot_object_given_many_times_is_judged_as_its_copies_would_be(distinct, picks):
    """A hall's equal orders share one ballot object (services.profiles.profile_of), which
    is checked once: the profile still keeps and refuses exactly what the copies give."""
    alternatives = [f"a{i}" for i in range(N)]
    shared = [Ballot(t) for t in distinct]
    given_shared = [shared[i % len(shared)] for i in picks]
    copies = [Ballot(b.tiers) for b in given_shared]
    assert _outcome(alternatives, given_shared) == _outcome(alternatives, copies)
