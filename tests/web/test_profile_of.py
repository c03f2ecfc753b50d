"""The live result's profile from ballot rows: equal orders share one ballot object."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hhu_ranking.services.profiles import profile_of

ITEMS = [(101, "Gezondheid"), (102, "Welzijn"), (103, "Wonen"), (104, "Werk")]


@given(st.lists(st.permutations([101, 102, 103, 104]), min_size=1, max_size=40))
def test_a_profile_of_rankings_keeps_each_ranking_and_makes_each_order_once(rankings):
    profile = profile_of(ITEMS, rankings)
    place = {item_id: a for a, (item_id, _title) in enumerate(ITEMS)}
    assert [b.tiers for b in profile.ballots] == [
        tuple((place[i],) for i in ranking) for ranking in rankings
    ]
    assert len({id(b) for b in profile.ballots}) == len({tuple(r) for r in rankings})
    assert profile.alternatives == tuple(title for _id, title in ITEMS)


def test_ids_given_as_text_make_the_same_ballots():
    profile = profile_of(ITEMS, [["104", "101", "102", "103"], [104, 101, 102, 103]])
    assert profile.ballots[0].tiers == profile.ballots[1].tiers == ((3,), (0,), (1,), (2,))
