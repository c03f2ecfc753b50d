"""Worked examples from the literature, with their published answers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hhu_ranking.aggregation.borda import borda
from hhu_ranking.aggregation.condorcet import (
    condorcet_loser,
    condorcet_winner,
    copeland,
    first_place_counts,
    ranked_pairs,
    schulze,
    strongest_paths,
)
from hhu_ranking.aggregation.kemeny import kemeny
from hhu_ranking.aggregation.profile import Profile
from hhu_ranking.aggregation.result import MethodResult

# Wikipedia's running example ("Tennessee capital"): 100 voters in four cities,
# each voting for the capital closest to home.
# Articles: Borda count, Kemeny-Young method, Copeland's method, Ranked pairs,
# Schulze method, Condorcet method.
MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = range(4)
TENNESSEE = Profile.from_orders(
    ["Memphis", "Nashville", "Chattanooga", "Knoxville"],
    [
        [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE],
        [NASHVILLE, CHATTANOOGA, KNOXVILLE, MEMPHIS],
        [CHATTANOOGA, KNOXVILLE, NASHVILLE, MEMPHIS],
        [KNOXVILLE, CHATTANOOGA, NASHVILLE, MEMPHIS],
    ],
    weights=[42, 26, 15, 17],
)
CONSENSUS = ((NASHVILLE,), (CHATTANOOGA,), (KNOXVILLE,), (MEMPHIS,))


def test_tennessee_borda() -> None:
    result = borda(TENNESSEE)
    assert result.scores == {NASHVILLE: 194, CHATTANOOGA: 173, MEMPHIS: 126, KNOXVILLE: 107}
    assert result.ranking == ((NASHVILLE,), (CHATTANOOGA,), (MEMPHIS,), (KNOXVILLE,))


def test_tennessee_kemeny() -> None:
    # the published ranking, with a score of 393 agreements out of 6 x 100 pairs
    result = kemeny(TENNESSEE)
    assert result.ranking == CONSENSUS
    assert result.details["distance"] == 600 - 393
    assert result.unique


def test_tennessee_condorcet_methods() -> None:
    assert condorcet_winner(TENNESSEE) == NASHVILLE
    assert condorcet_loser(TENNESSEE) == MEMPHIS
    assert copeland(TENNESSEE).scores == {NASHVILLE: 3, CHATTANOOGA: 2, KNOXVILLE: 1, MEMPHIS: 0}
    assert copeland(TENNESSEE).ranking == CONSENSUS
    assert schulze(TENNESSEE).ranking == CONSENSUS
    # every majority is locked (largest first: Chattanooga over Knoxville, 83 to 17)
    rp = ranked_pairs(TENNESSEE)
    assert rp.ranking == CONSENSUS
    assert rp.details["locked"][0] == [CHATTANOOGA, KNOXVILLE]
    assert rp.details["skipped"] == []


def test_tennessee_plurality_would_pick_memphis() -> None:
    counts = first_place_counts(TENNESSEE)
    assert counts.tolist() == [42, 26, 15, 17]


# Wikipedia, "Schulze method", example: 45 voters, five candidates; the article
# prints both the pairwise matrix d and the strongest-path matrix p (winning votes).
A, B, C, D, E = range(5)
SCHULZE = Profile.from_orders(
    list("ABCDE"),
    [
        [A, C, B, E, D],
        [A, D, E, C, B],
        [B, E, D, A, C],
        [C, A, B, E, D],
        [C, A, E, B, D],
        [C, B, A, D, E],
        [D, C, E, B, A],
        [E, B, A, D, C],
    ],
    weights=[5, 5, 8, 3, 7, 2, 7, 8],
)


def test_schulze_wikipedia_example() -> None:
    assert SCHULZE.pairwise.tolist() == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert strongest_paths(SCHULZE, "winning").tolist() == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    expected = ((E,), (A,), (C,), (B,), (D,))
    assert schulze(SCHULZE, strength="winning").ranking == expected
    # full ballots: margins and winning votes agree
    assert schulze(SCHULZE).ranking == expected
    assert schulze(SCHULZE).details["winners"] == [E]


def test_condorcet_paradox() -> None:
    # Condorcet's paradox: a > b > c > a, each by 2 to 1; no method can separate them
    paradox = Profile.from_orders(list("abc"), [[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    assert condorcet_winner(paradox) is None
    assert borda(paradox).ranking == ((0, 1, 2),)
    assert copeland(paradox).ranking == ((0, 1, 2),)
    assert schulze(paradox).ranking == ((0, 1, 2),)
    result = kemeny(paradox)
    assert result.details["distance"] == 4
    assert result.details["optimal_count"] == 3 and not result.unique


@pytest.mark.parametrize("method", [borda, kemeny, schulze, copeland, ranked_pairs])
def test_names_never_enter_the_maths(method: Callable[[Profile], MethodResult]) -> None:
    renamed = Profile(["Q", "R", "S", "T"], TENNESSEE.ballots)
    assert method(renamed).ranking == method(TENNESSEE).ranking
