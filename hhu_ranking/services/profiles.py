"""The one way to turn ballots into an aggregation ``Profile``.

Live results (``Ballot`` rows), frozen outcomes and exports (their canonical
ballot documents) all go through ``profile_of``: alternative ``i`` is the
round's ``i``-th item, a ballot lists item ids best first, and the items a
top-k ballot leaves out tie below the ones it ranks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from ..aggregation.profile import Ballot as ProfileBallot
from ..aggregation.profile import Profile
from ..models import Ballot, Organisation, Participant, Pillar, Round, Tier


def profile_of(items: Sequence[tuple[int, str]], rankings: Iterable[Sequence[int]]) -> Profile:
    """A profile over ``items`` (``(item id, title)`` in round order) from rankings of item ids."""
    # each item id's tier of one, made once: a live result turns thousands of ballots of up
    # to thirty items into tiers with every new ballot
    tier_of = {item_id: (i,) for i, (item_id, _title) in enumerate(items)}

    def tiers(ranking: Sequence[int]) -> tuple[tuple[int], ...]:
        try:
            return tuple(map(tier_of.__getitem__, ranking))
        except KeyError:  # ids given as text (a document's ballot)
            return tuple(tier_of[int(i)] for i in ranking)

    # a hall's ballots of a few items repeat (six items have 720 orders): each distinct
    # order becomes one ballot object, shared (it is immutable), not thousands of copies
    made: dict[tuple[Any, ...], ProfileBallot] = {}

    def ballot(ranking: Sequence[int]) -> ProfileBallot:
        key = tuple(ranking)
        found = made.get(key)
        if found is None:
            found = made[key] = ProfileBallot(tiers(key))
        return found

    return Profile([title for _item_id, title in items], map(ballot, rankings))


def document_profile(
    items: Sequence[Mapping[str, Any]],
    ballots: Iterable[Mapping[str, Any]],
    title: Callable[[str], str] = str,
) -> Profile:
    """The profile of a result document's ``items`` and canonical ``ballots`` (in their order)."""
    return profile_of(
        [(int(item["id"]), title(str(item["title"]))) for item in items],
        (ballot["ranking"] for ballot in ballots),
    )


class RankedBallot(Protocol):
    """A ballot row, or just its columns (a ``Row`` of participant_id and ranking)."""

    @property
    def participant_id(self) -> int: ...

    @property
    def ranking(self) -> Sequence[int]: ...


@dataclass(frozen=True)
class RoundProfile:
    """A round's ballots as a Profile, with the item id behind each alternative index."""

    profile: Profile
    item_ids: tuple[int, ...]
    participant_ids: tuple[int, ...]


def round_profile(round_: Round, ballots: Sequence[RankedBallot]) -> RoundProfile:
    """Alternatives follow the round's item order; ballots go by participant id."""
    ordered = sorted(ballots, key=lambda b: b.participant_id)
    profile = profile_of(
        [(item.id, item.title) for item in round_.items], (b.ranking for b in ordered)
    )
    return RoundProfile(
        profile,
        tuple(item.id for item in round_.items),
        tuple(b.participant_id for b in ordered),
    )


def organisation_key(organisation_id: int | None, organisation_other: str | None) -> str | None:
    """Who shares a voice: a partner by its id, an organisation typed in by its name
    (case and spaces ignored); None for nobody's delegate (a voice of their own)."""
    if organisation_id is not None:
        return f"partner:{organisation_id}"
    name = " ".join((organisation_other or "").split()).casefold()
    return f"other:{name}" if name else None


def organisation_keys(db: Session, participant_ids: Sequence[int]) -> dict[int, str | None]:
    """Participant id -> :func:`organisation_key`, in one query."""
    if not participant_ids:
        return {}
    rows = db.execute(
        select(Participant.id, Participant.organisation_id, Participant.organisation_other).where(
            Participant.id.in_(list(participant_ids))
        )
    )
    return {pid: organisation_key(org_id, other) for pid, org_id, other in rows}


def participant_groups(db: Session, participant_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Participant id -> (``pillar:<key>`` or "", ``tier:<tier>`` or ""), in one query.

    The groups of the breakdown by pillar and by tier; organisations typed in by
    hand have no tier.
    """
    if not participant_ids:
        return {}
    rows = db.execute(
        select(Participant.id, Pillar.key, Organisation.tier)
        .outerjoin(Pillar, Pillar.id == Participant.pillar_id)
        .outerjoin(Organisation, Organisation.id == Participant.organisation_id)
        .where(Participant.id.in_(list(participant_ids)))
    )
    return {pid: _group_keys(pillar, tier) for pid, pillar, tier in rows}


def _group_keys(pillar: str | None, tier: Tier | None) -> tuple[str, str]:
    """A voter's (``pillar:<key>`` or "", ``tier:<tier>`` or "")."""
    return (f"pillar:{pillar}" if pillar else "", f"tier:{tier.value}" if tier else "")


@dataclass(frozen=True, slots=True)
class VoterBallot:
    """A round's ballot with what its result needs to know of the voter."""

    participant_id: int
    ranking: list[int]
    seq: int
    #: :func:`organisation_key` of the voter
    organisation: str | None
    #: the voter's groups, as :func:`participant_groups` gives them
    groups: tuple[str, str]


def voter_ballots(db: Session, round_id: int) -> list[VoterBallot]:
    """A round's ballots with their voters' organisations and groups, in one query.

    A big screen recomputes this with every new ballot of a hall of thousands: one
    joined SELECT instead of two more with thousands of ids bound, and the rankings
    read as text and parsed by one ``json.loads`` instead of one per row.
    """
    rows = db.execute(
        select(
            Ballot.participant_id,
            cast(Ballot.ranking, Text),
            Ballot.seq,
            Participant.organisation_id,
            Participant.organisation_other,
            Pillar.key,
            Organisation.tier,
        )
        .join(Participant, Participant.id == Ballot.participant_id)
        .outerjoin(Pillar, Pillar.id == Participant.pillar_id)
        .outerjoin(Organisation, Organisation.id == Participant.organisation_id)
        .where(Ballot.round_id == round_id)
    ).all()
    rankings = json.loads("[" + ",".join(row[1] for row in rows) + "]")
    return [
        VoterBallot(
            pid,
            ranking,
            int(seq),
            organisation_key(org_id, other),
            _group_keys(pillar, tier),
        )
        for (pid, _text, seq, org_id, other, pillar, tier), ranking in zip(
            rows, rankings, strict=True
        )
    ]
