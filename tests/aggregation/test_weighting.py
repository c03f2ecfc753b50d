"""One organisation, one voice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import profiles

from hhu_ranking.aggregation.borda import borda
from hhu_ranking.aggregation.profile import Profile, ProfileError
from hhu_ranking.aggregation.weighting import one_org_one_voice, organisation_weights


def test_ten_delegates_do_not_outvote_one() -> None:
    # ten people from UMC Utrecht prefer a; one from Gemeente Utrecht and one
    # resident prefer b: per organisation it is two voices against one
    orders = [[0, 1]] * 10 + [[1, 0], [1, 0]]
    orgs = ["UMC Utrecht"] * 10 + ["Gemeente Utrecht", None]
    profile = Profile.from_orders(list("ab"), orders)
    assert borda(profile).ranking == ((0,), (1,))
    weighted = one_org_one_voice(profile, orgs)
    assert [b.weight for b in weighted.ballots] == [0.1] * 10 + [1.0, 1.0]
    assert weighted.total_weight == pytest.approx(3.0)
    assert borda(weighted).ranking == ((1,), (0,))


def test_grouped_ballots_keep_their_share() -> None:
    assert organisation_weights([3.0, 1.0], ["RIVM", "RIVM"]) == [0.75, 0.25]


def test_one_organisation_per_ballot() -> None:
    profile = Profile.from_orders(list("ab"), [[0, 1]])
    with pytest.raises(ProfileError):
        one_org_one_voice(profile, ["a", "b"])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), profile=profiles(max_n=4, max_m=10, weighted=True))
def test_every_organisation_weighs_one(data: st.DataObject, profile: Profile) -> None:
    orgs = data.draw(
        st.lists(
            st.sampled_from(["Lister", "Pharos", "TNO", None]),
            min_size=profile.m,
            max_size=profile.m,
        )
    )
    weighted = one_org_one_voice(profile, orgs)
    assert [b.tiers for b in weighted.ballots] == [b.tiers for b in profile.ballots]
    totals: dict[str, float] = {}
    for ballot, org in zip(weighted.ballots, orgs, strict=True):
        if org is None:
            assert ballot.weight == 1.0
        else:
            totals[org] = totals.get(org, 0.0) + ballot.weight
    assert all(t == pytest.approx(1.0) for t in totals.values())
