"""The one way to turn ballots into an aggregation ``Profile``.

Live results (``Ballot`` rows), frozen outcomes and exports (their canonical
ballot documents) all go through ``profile_of``: alternative ``i`` is the
round's ``i``-th item, a ballot lists item ids best first, and the items a
top-k ballot leaves out tie below the ones it ranks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..aggregation.profile import Ballot as ProfileBallot
from ..aggregation.profile import Profile
from ..models import Round


def profile_of(items: Sequence[tuple[int, str]], rankings: Iterable[Sequence[int]]) -> Profile:
    """A profile over ``items`` (``(item id, title)`` in round order) from rankings of item ids."""
    index = {item_id: i for i, (item_id, _title) in enumerate(items)}
    return Profile(
        [title for _item_id, title in items],
        (ProfileBallot(tuple((index[int(i)],) for i in ranking)) for ranking in rankings),
    )


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
