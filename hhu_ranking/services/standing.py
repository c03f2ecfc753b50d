"""Where one phone stands once the result is shown: its own ballot beside the room's.

Only ever for the participant's own phone (never on the big screen, in an
export or the API). The room's consensus and the reveal come from the cached
result (``services.results``), so a phone costs no computation of the round's
result; what is computed here is one ballot against one order, a few dozen
comparisons.

Agreement is the normalised Kendall tau distance between the ballot and the
Kemeny consensus: of the pairs both order, the share they order oppositely
(0 = the same order, 1 = exactly reversed). A top-k ballot leaves its unranked
items tied below the ranked ones, so pairs of two unranked items do not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..models import Ballot, Round, RoundState
from ..places import competition_places, place_label
from .results import live_result_version
from .reveal import shown_places

#: (upper bound of the distance, words), first match wins
AGREEMENT_WORDS = (
    (0.15, _l("Je zit heel dicht bij de zaal.")),
    (0.3, _l("Je zit dicht bij de zaal.")),
    (0.5, _l("Je denkt op een aantal punten anders dan de zaal.")),
    (1.0, _l("Jij kijkt er heel anders tegenaan dan de zaal.")),
)


@dataclass(frozen=True)
class Revealed:
    label: str
    title: str


@dataclass(frozen=True)
class MyItem:
    """One item of the phone's own top 3: where the phone put it and where the room did."""

    title: str
    mine: int
    room: str


@dataclass
class Standing:
    #: places of the consensus shown so far (the reveal), best first
    revealed: list[Revealed] = field(default_factory=list)
    places: int = 0
    shown: int = 0
    #: the rest only once every place is shown and the phone voted
    top: list[MyItem] = field(default_factory=list)
    distance: float | None = None
    #: the item whose place differs most between the ballot and the consensus, and by how much
    differs_most: str | None = None
    differs_by: int = 0
    differs_mine: int = 0
    differs_room: str = ""

    @property
    def complete(self) -> bool:
        return self.shown >= self.places

    @property
    def agreement_words(self) -> str:
        if self.distance is None:
            return ""
        for bound, words in AGREEMENT_WORDS:
            if self.distance <= bound:
                return str(words)
        return str(AGREEMENT_WORDS[-1][1])


def kendall_distance(ballot: list[int], consensus: dict[int, int]) -> float | None:
    """Normalised Kendall tau distance of a ballot (ids best first) to consensus places."""
    mine = {item: place for place, item in enumerate(ballot)}
    unranked = len(ballot)
    items = sorted(consensus)
    compared = opposite = 0
    for a, b in combinations(items, 2):
        ma, mb = mine.get(a, unranked), mine.get(b, unranked)
        ca, cb = consensus[a], consensus[b]
        if ma == mb or ca == cb:
            continue
        compared += 1
        if (ma < mb) != (ca < cb):
            opposite += 1
    return opposite / compared if compared else None


def phone_standing(db: Session, round_: Round, ballot: Ballot | None) -> Standing | None:
    """The closed round's reveal as the phone shows it, and, once all is shown, its standing."""
    if round_.state is not RoundState.CLOSED:
        return None
    payload, _version = live_result_version(db, round_)
    analysis = (payload or {}).get("analysis") or {}
    kemeny = (analysis.get("methods") or {}).get("kemeny")
    if not payload or not kemeny:
        return None
    ids = [int(item["id"]) for item in payload["items"]]
    titles = [str(item["title"]) for item in payload["items"]]
    tiers: list[list[int]] = [[int(a) for a in tier] for tier in kemeny["ranking"]]
    places = competition_places(tiers)
    standing = Standing(places=len(tiers), shown=shown_places(round_.revealed, len(tiers)))
    for number, tier in enumerate(tiers):
        if number >= len(tiers) - standing.shown:
            for a in tier:
                standing.revealed.append(Revealed(place_label(places[a], len(tier) > 1), titles[a]))
    if not standing.complete or ballot is None:
        return standing
    # the room's places by round item id; the ballot lists round item ids best first
    room = {ids[a]: place for a, place in places.items()}
    tied = {ids[a] for tier in tiers if len(tier) > 1 for a in tier}
    title_of = dict(zip(ids, titles, strict=True))
    order = [i for i in ballot.ranking if i in room]
    standing.top = [
        MyItem(title_of[i], n, place_label(room[i], i in tied))
        for n, i in enumerate(order[:3], start=1)
    ]
    standing.distance = kendall_distance(order, room)
    gaps = [(abs(n - room[i]), -n, i, n) for n, i in enumerate(order, start=1)]
    if gaps:
        gap, _rank, item, mine = max(gaps)
        if gap > 0:
            standing.differs_most = title_of[item]
            standing.differs_by = gap
            standing.differs_mine = mine
            standing.differs_room = place_label(room[item], item in tied)
    return standing
