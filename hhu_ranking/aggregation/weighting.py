"""Ballot weighting schemes.

"One organisation, one voice": a partner that brings ten people to a session
must not outvote a partner that brings one, yet everyone's ballot still
counts. So the ballots of one organisation share a total weight of 1, each in
proportion to its current weight (a grouped ballot standing for three voters
of that organisation keeps three times the share of a single one).
"""

from __future__ import annotations

from collections.abc import Sequence

from .profile import Profile, ProfileError


def organisation_weights(
    weights: Sequence[float], organisations: Sequence[str | None]
) -> list[float]:
    """The re-scaled weights: each organisation's ballots sum to 1.

    ``None`` marks a ballot cast by nobody's delegate (for example a
    resident): it counts as an organisation of its own, with weight 1.
    """
    if len(weights) != len(organisations):
        raise ProfileError("one organisation per ballot is needed")
    totals: dict[str, float] = {}
    for weight, org in zip(weights, organisations, strict=True):
        if org is not None:
            totals[org] = totals.get(org, 0.0) + weight
    return [
        1.0 if org is None else weight / totals[org]
        for weight, org in zip(weights, organisations, strict=True)
    ]


def one_org_one_voice(profile: Profile, organisations: Sequence[str | None]) -> Profile:
    """``profile`` re-weighted so that each organisation's ballots weigh 1 in total.

    ``organisations[i]`` names the organisation of ``profile.ballots[i]``.
    """
    weights = organisation_weights([b.weight for b in profile.ballots], organisations)
    return profile.with_weights(weights)
