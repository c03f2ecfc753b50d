"""Condorcet winner and loser, first places, Copeland, Schulze and ranked pairs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import profiles

from hhu_ranking.aggregation.condorcet import (
    condorcet_loser,
    condorcet_winner,
    copeland,
    first_place_counts,
    layers,
    majority,
    ranked_pairs,
    schulze,
    strongest_paths,
    tie_break_order,
    tier_points,
    weak_condorcet_winners,
)
from hhu_ranking.aggregation.profile import Profile

SETTINGS = settings(max_examples=60, deadline=None)
PARADOX = Profile.from_orders(list("abc"), [[0, 1, 2], [1, 2, 0], [2, 0, 1]])


def test_condorcet_winner_and_loser() -> None:
    profile = Profile.from_orders(list("abcd"), [[0, 1, 2, 3], [1, 0, 3, 2], [0, 2, 1, 3]])
    assert condorcet_winner(profile) == 0
    assert condorcet_loser(profile) == 3
    assert weak_condorcet_winners(profile) == (0,)
    assert condorcet_winner(PARADOX) is None
    assert condorcet_loser(PARADOX) is None
    assert weak_condorcet_winners(PARADOX) == ()


def test_a_tie_is_not_a_win() -> None:
    profile = Profile.from_orders(list("abc"), [[0, 1, 2], [1, 0, 2]])
    assert condorcet_winner(profile) is None
    assert weak_condorcet_winners(profile) == (0, 1)
    assert condorcet_loser(profile) == 2
    assert majority(profile).tolist() == [[0, 0, 1], [0, 0, 1], [-1, -1, 0]]


def test_float_weights_do_not_turn_ties_into_wins() -> None:
    # three ballots of weight 1/3 against one of weight 1: an exact tie
    orders = [[0, 1]] * 3 + [[1, 0]]
    profile = Profile.from_orders(list("ab"), orders, [1 / 3, 1 / 3, 1 / 3, 1.0])
    assert majority(profile)[0, 1] == 0
    assert copeland(profile).ranking == ((0, 1),)


def test_first_place_counts_split_or_count_ties() -> None:
    profile = Profile.from_orders(list("abcd"), [[0, 1], [[1, 2], 0], [3]], weights=[2.0, 1.0, 1.0])
    assert first_place_counts(profile).tolist() == [2.0, 0.5, 0.5, 1.0]
    assert first_place_counts(profile, split=False).tolist() == [2.0, 1.0, 1.0, 1.0]
    # an empty ballot ties everything at the top
    empty = Profile(list("ab"), [*Profile.from_orders(list("ab"), [[]]).ballots])
    assert first_place_counts(empty).tolist() == [0.5, 0.5]


@SETTINGS
@given(profiles(max_n=7, max_m=8, weighted=True))
def test_split_first_places_add_up_to_the_weight(profile: Profile) -> None:
    assert first_place_counts(profile).sum() == pytest.approx(profile.total_weight)


def test_copeland_scores_and_details() -> None:
    profile = Profile.from_orders(list("abcd"), [[0, 1, 2, 3], [1, 0, 2, 3]])
    result = copeland(profile)
    # a-b tie; a, b beat c and d; c beats d
    assert result.scores == {0: 2.5, 1: 2.5, 2: 1.0, 3: 0.0}
    assert result.ranking == ((0, 1), (2,), (3,))
    assert result.details["wins"] == [2, 2, 1, 0]
    assert result.details["ties"] == [1, 1, 0, 0]
    assert result.details["losses"] == [0, 0, 2, 3]
    assert result.details["condorcet_loser"] == 3


def test_paradox_is_a_three_way_tie_for_copeland_and_schulze() -> None:
    assert copeland(PARADOX).ranking == ((0, 1, 2),)
    assert schulze(PARADOX).ranking == ((0, 1, 2),)
    assert schulze(PARADOX).details["winners"] == [0, 1, 2]


def test_schulze_margins_or_winning_votes() -> None:
    # top-k ballots: margins separate b from c, winning votes do not
    profile = Profile.from_orders(list("abc"), [[0], [2, 0], [1, 2], [0, 1], [1, 2]])
    assert schulze(profile).ranking == ((0, 1), (2,))
    assert schulze(profile, strength="winning").ranking == ((0, 1, 2),)
    assert strongest_paths(profile).tolist() == [[0, 1, 1], [1, 0, 2], [1, 1, 0]]
    with pytest.raises(ValueError, match="strength"):
        schulze(profile, strength="losing")  # type: ignore[arg-type]


def test_layers_put_winners_first() -> None:
    above = np.zeros((3, 3), dtype=bool)
    above[0, 1] = True  # a above b; c incomparable to both
    assert layers(above) == ((0, 2), (1,))
    assert tier_points(((0, 2), (1,)), 3) == {0: 1.5, 2: 1.5, 1: 0.0}


def test_ranked_pairs_locks_largest_margins_first() -> None:
    # margins: b>c 11, a>b 7, c>a 1: c>a closes a cycle and is skipped
    orders = [[0, 1, 2]] * 10 + [[1, 2, 0]] * 6 + [[2, 0, 1]] * 4 + [[2, 1, 0]] * 1
    profile = Profile.from_orders(list("abc"), orders)
    margins = profile.margins
    assert (margins[0, 1], margins[1, 2], margins[2, 0]) == (7, 11, 1)
    result = ranked_pairs(profile)
    assert result.ranking == ((0,), (1,), (2,))
    assert result.details["locked"] == [[1, 2], [0, 1]]
    assert result.details["skipped"] == [[2, 0]]
    assert result.unique


def test_ranked_pairs_tie_break_is_documented() -> None:
    # every margin is 1: the tie-break order (Borda, then index) decides
    result = ranked_pairs(PARADOX)
    assert result.details["tie_break"] == [0, 1, 2]
    assert result.details["locked"] == [[0, 1], [1, 2]]
    assert result.ranking == ((0,), (1,), (2,))
    assert not result.unique and result.details["tie_break_used"]


def test_ranked_pairs_leaves_zero_margins_unlocked() -> None:
    profile = Profile.from_orders(list("abc"), [[0, 1, 2], [1, 0, 2]])
    result = ranked_pairs(profile)
    assert result.ranking == ((0, 1), (2,))
    assert result.unique


def test_tie_break_order_follows_borda() -> None:
    profile = Profile.from_orders(list("abc"), [[2, 1, 0], [1, 2, 0]])
    assert tie_break_order(profile) == [1, 2, 0]
