"""The screen's derived statistics: disagreements, polarised items, certainty, place spread."""

from __future__ import annotations

import numpy as np

from hhu_ranking.aggregation import Profile, analyse
from hhu_ranking.aggregation.contrast import (
    disagreements,
    most_polarised,
    place_spread,
    top_certainty,
)

# 3 x A > B > C, 2 x B > C > A: Borda B 7, A 6, C 2; Kemeny A, B, C (A beats B 3 : 2)
SPLIT = Profile.from_orders(["A", "B", "C"], [[0, 1, 2]] * 3 + [[1, 2, 0]] * 2)


def test_the_pair_the_methods_order_oppositely_comes_with_its_majority() -> None:
    report = analyse(SPLIT, methods=("borda", "kemeny"))
    assert disagreements(report) == [{"above": 0, "below": 1, "support": 0.6, "against": 0.4}]
    same = analyse(Profile.from_orders(["A", "B"], [[0, 1]]), methods=("borda", "kemeny"))
    assert disagreements(same) == []


def test_polarised_items_are_those_the_room_splits_on() -> None:
    report = analyse(SPLIT, methods=("borda",))
    # A: ranks 1, 1, 1, 3, 3: variance 0.96 of at most 1; B and C 0.24
    assert most_polarised(report) == [{"id": 0, "polarisation": 0.96}]


def test_certainty_follows_the_bootstrap() -> None:
    unanimous = Profile.from_orders(["A", "B", "C", "D"], [[0, 1, 2, 3]] * 20)
    report = analyse(unanimous, methods=("borda",), bootstrap_samples=100)
    assert top_certainty(report) == "settled"
    coin = Profile.from_orders(["A", "B", "C", "D"], [[0, 1, 2, 3], [1, 0, 3, 2]] * 3)
    assert top_certainty(analyse(coin, methods=("borda",), bootstrap_samples=100)) == "open"
    assert top_certainty(analyse(coin, methods=("borda",))) is None


def test_place_spread_splits_ties_and_unranked_items_evenly() -> None:
    profile = Profile.from_orders(
        ["a", "b", "c", "d"], [[0, 1, 2, 3], [1, 0, 2, 3], [3, 2, 1, 0], [0, [1, 2]]]
    )
    assert np.allclose(
        place_spread(profile),
        [
            [0.5, 0.25, 0.0, 0.25],
            [0.25, 0.375, 0.375, 0.0],
            [0.0, 0.375, 0.625, 0.0],
            [0.25, 0.0, 0.0, 0.75],
        ],
    )
    weighted = Profile.from_orders(["a", "b"], [[0, 1], [1, 0]], weights=[3, 1])
    assert np.allclose(place_spread(weighted), [[0.75, 0.25], [0.25, 0.75]])
