"""What the big screen shows: counts, who voted, and the cached live result.

The projector polls every second or two, so :func:`poll_versions` answers the
"anything new?" question with one SELECT: the session's state version, how
many joined and the count and ``seq`` sum of the session's ballots (read from
indexes; joins and ballots write no shared row). Only when those moved does
:func:`build_screen` load the rest. The result itself comes
from :func:`services.results.live_result`, computed at most once per round
version for every viewer together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.orm import Session

from ..models import (
    Ballot,
    Organisation,
    Participant,
    RankingSession,
    Round,
    RoundState,
)
from ..places import numbered, place_label
from .breakdowns import GroupView, breakdown_floor, group_views, pillar_names
from .heatmaps import Heatmap, pairwise_heatmap
from .results import ballots_version, live_result_version
from .reveal import shown_places
from .rounds import current_round


@dataclass(frozen=True)
class PollVersions:
    session_id: int
    join_code: str
    state_version: int
    joined: int
    ballots: int
    ballots_seq: int

    @property
    def etag(self) -> str:
        """Changes whenever anything the projector shows may have changed."""
        return f"s{self.state_version}-j{self.joined}-b{self.ballots}.{self.ballots_seq}"


def activity_versions(db: Session | Connection, where: ColumnElement[bool]) -> PollVersions | None:
    """One cheap SELECT: a session's id, state version and activity, or None."""
    session_ballots = (
        select(Ballot.seq)
        .join(Round, Round.id == Ballot.round_id)
        .where(Round.session_id == RankingSession.id)
        .correlate(RankingSession)
        .subquery()
    )
    row = db.execute(
        select(
            RankingSession.id,
            RankingSession.join_code,
            RankingSession.state_version,
            select(func.count())
            .select_from(Participant)
            .where(Participant.session_id == RankingSession.id)
            .correlate(RankingSession)
            .scalar_subquery()
            .label("joined"),
            select(func.count()).select_from(session_ballots).scalar_subquery().label("ballots"),
            select(func.coalesce(func.sum(session_ballots.c.seq), 0))
            .scalar_subquery()
            .label("ballots_seq"),
        ).where(where)
    ).one_or_none()
    if row is None:
        return None
    return PollVersions(
        row.id,
        row.join_code,
        row.state_version,
        int(row.joined),
        int(row.ballots),
        int(row.ballots_seq),
    )


def poll_versions(db: Session | Connection, join_code: str) -> PollVersions | None:
    """The projector's "anything new?" for a join code (None: no such session)."""
    return activity_versions(db, RankingSession.join_code == join_code)


@dataclass(frozen=True)
class Placed:
    """One item on one of the two lists, at its place (competition ranking, ``places``)."""

    title: str
    place: int
    tied: bool
    #: Borda points (None on the consensus list)
    score: float | None = None
    #: bar length relative to the highest score, 0-100
    percent: float = 0.0
    #: share of the voters that put it on each place (the spread strip), 0-1
    spread: tuple[float, ...] = ()

    @property
    def label(self) -> str:
        return place_label(self.place, self.tied)


#: kept under its old name for the tests and templates that speak of bars
BordaBar = Placed


@dataclass(frozen=True)
class Deciding:
    """A pairwise majority that decides where Borda and Kemeny differ."""

    above: str
    below: str
    #: whole percent of the voters putting ``above`` above ``below``
    percent: int
    #: ... and the other way round (the rest ties them or ranks neither)
    against: int


@dataclass(frozen=True)
class Chance:
    title: str
    #: whole percent of the bootstrap resamples with the item in the top 3
    percent: int


@dataclass(frozen=True)
class Reveal:
    """How far the reveal stands: ``shown`` of ``places`` places, counted from the last."""

    places: int
    shown: int

    @property
    def complete(self) -> bool:
        return self.shown >= self.places

    @property
    def next_place(self) -> int | None:
        """The place the next step reveals (counted in consensus tiers), None when done."""
        return None if self.complete else self.places - self.shown


@dataclass(frozen=True)
class LiveResult:
    ballots: int
    borda: list[Placed]
    #: the Kemeny consensus, item by item, best first
    kemeny: list[Placed]
    kemeny_unique: bool = True
    #: False when the exact Kemeny search ran out of time (the payload says so)
    kemeny_exact: bool = True
    #: both methods give every item the same place
    same_places: bool = True
    deciding: list[Deciding] = field(default_factory=list)
    kendall_w: float | None = None
    #: (title, polarisation) of the most polarised items, most first
    polarised: list[tuple[str, float]] = field(default_factory=list)
    #: the highest chances of a top-3 place, highest first
    chances: list[Chance] = field(default_factory=list)
    #: "settled", "likely", "open" or None (no bootstrap)
    certainty: str | None = None
    #: the Borda winner and the share of resamples in which it stays first (whole percent)
    leader: str | None = None
    leader_keeps: int | None = None
    #: the pairwise heatmap, rows in the consensus order of :attr:`kemeny` (2-30 items; the
    #: big screen, the console and the outcome page all draw it)
    heatmap: Heatmap | None = None
    #: consensus tiers (the reveal's steps)
    tiers: int = 0
    reveal: Reveal | None = None
    #: the round's reveal position (None: everything shown at once, no reveal running)
    revealed_at: int | None = None
    #: "equal" (each person one voice) or "organisation" (each organisation one voice)
    weighting: str = "equal"
    #: (title, Borda place now, Borda place under the other weighting) where they differ
    other_weighting: list[tuple[str, int, int]] = field(default_factory=list)
    #: pillars and tiers of at least the privacy floor's size, largest divergence first
    groups: list[GroupView] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.kemeny)

    @property
    def size_class(self) -> str:
        """The screen's layout for this many items (see screen.css)."""
        n = self.count
        if n <= 6:
            return "count-s"
        if n <= 10:
            return "count-m"
        if n <= 17:
            return "count-l"
        return "count-xl"

    @property
    def newest_place(self) -> int | None:
        """The consensus place the reveal showed last (for its animation), None outside one."""
        if self.reveal is None or self.revealed_at is None or self.reveal.shown == 0:
            return None
        shown = [item.place for item in self.kemeny if not self.hidden(item)]
        return min(shown) if shown else None

    def hidden(self, item: Placed) -> bool:
        """Whether the reveal has not reached this consensus place yet."""
        if self.reveal is None or self.reveal.complete:
            return False
        return item.place <= self._hidden_until

    @property
    def _hidden_until(self) -> int:
        """The last place still hidden (places of the tiers not yet revealed)."""
        assert self.reveal is not None
        hidden_tiers = self.reveal.places - self.reveal.shown
        places = sorted({item.place for item in self.kemeny})
        return places[hidden_tiers - 1] if hidden_tiers > 0 else 0


@dataclass
class ScreenView:
    ranking_session: RankingSession
    round: Round | None
    joined: int
    voted: int
    organisations: list[str] = field(default_factory=list)
    #: results are shown while open only when the round says so; always once closed
    show_result: bool = False
    result: LiveResult | None = None
    #: False when the result shown is a version behind (another worker is computing):
    #: the response must then not carry an ETag, or the projector would keep it
    fresh: bool = True

    @property
    def is_open(self) -> bool:
        return self.round is not None and self.round.state is RoundState.OPEN

    @property
    def is_closed(self) -> bool:
        return self.round is not None and self.round.state is RoundState.CLOSED


def voted_organisations(db: Session, round_id: int) -> list[str]:
    """Names of the organisations with at least one ballot in the round, alphabetically."""
    rows = db.execute(
        select(func.coalesce(Organisation.name, Participant.organisation_other))
        .distinct()
        .select_from(Ballot)
        .join(Participant, Participant.id == Ballot.participant_id)
        .outerjoin(Organisation, Organisation.id == Participant.organisation_id)
        .where(Ballot.round_id == round_id)
    ).scalars()
    return sorted((name for name in rows if name), key=str.casefold)


def build_screen(db: Session, ranking_session: RankingSession) -> ScreenView:
    round_ = current_round(ranking_session)
    joined = (
        db.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.session_id == ranking_session.id)
        )
        or 0
    )
    view = ScreenView(ranking_session, round_, joined=joined, voted=0)
    if round_ is None:
        return view
    view.voted = (
        db.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id)) or 0
    )
    view.organisations = voted_organisations(db, round_.id)
    view.show_result = round_.state is RoundState.CLOSED or round_.results_live
    if view.show_result and view.voted:
        # at least what the ETag stands for (live_result_version may read newer ballots)
        version = ballots_version(db, round_)
        payload, payload_version = live_result_version(db, round_, version)
        view.fresh = payload_version >= version
        revealed = round_.revealed if round_.state is RoundState.CLOSED else None
        view.result = (
            parse_result(payload, revealed, floor=breakdown_floor(), pillars=pillar_names(db))
            if payload
            else None
        )
    return view


def _percent(share: float | None) -> int:
    return 0 if share is None else int(round(100 * float(share)))


def parse_result(
    payload: dict[str, Any],
    revealed: int | None = None,
    *,
    floor: int = 3,
    pillars: dict[str, str] | None = None,
) -> LiveResult | None:
    """Turn the cached payload into what the template draws (nothing is computed here).

    ``payload["analysis"]`` is ``aggregation.report.analyse``'s dict: methods
    give ``ranking`` as tiers of 0-based alternative ids (the round's item
    order, as in ``payload["items"]``) and ``scores`` and ``positions`` keyed by
    those ids as strings; ``payload["contrast"]`` the derived statistics of
    ``aggregation.contrast``. ``revealed`` is the round's reveal position.
    """
    analysis = payload.get("analysis")
    if not analysis:
        return None
    titles = [str(item["title"]) for item in payload.get("items", [])]
    contrast = payload.get("contrast") or {}
    spread = contrast.get("spread") or []
    methods = analysis.get("methods", {})

    def strip(a: int) -> tuple[float, ...]:
        return tuple(float(x) for x in spread[a]) if a < len(spread) else ()

    borda_bars: list[Placed] = []
    borda = methods.get("borda")
    if borda is not None:
        scores = {int(k): float(v) for k, v in borda["scores"].items()}
        top = max(scores.values(), default=0.0) or 1.0
        for a, place, tied in numbered(borda["ranking"]):
            score = scores.get(int(a), 0.0)
            borda_bars.append(
                Placed(titles[int(a)], place, tied, score, max(0.0, 100.0 * score / top))
            )
    consensus: list[Placed] = []
    unique = exact = True
    tiers = 0
    kemeny = methods.get("kemeny")
    if kemeny is not None:
        consensus = [
            Placed(titles[int(a)], place, tied, spread=strip(int(a)))
            for a, place, tied in numbered(kemeny["ranking"])
        ]
        tiers = len(kemeny["ranking"])
        unique = bool(kemeny.get("unique", True))
        details = kemeny.get("details") or {}
        # a time budget hit is reported, never hidden: the screen says the order is not final
        exact = bool(details.get("optimal", True)) and not details.get("time_limit_hit", False)
    same = (
        borda is None
        or kemeny is None
        or dict(borda.get("positions", {})) == dict(kemeny.get("positions", {}))
    )
    deciding = [
        Deciding(
            titles[int(d["above"])],
            titles[int(d["below"])],
            _percent(d["support"]),
            _percent(d["against"]),
        )
        for d in contrast.get("disagreements", [])
    ]
    polarised = [
        (titles[int(p["id"])], float(p["polarisation"])) for p in contrast.get("polarised", [])
    ]
    chances: list[Chance] = []
    leader = None
    keeps = None
    boot = analysis.get("bootstrap")
    if boot:
        ranked = sorted(boot["items"], key=lambda i: (-float(i["in_top_k"]), int(i["place"])))
        chances = [Chance(titles[int(i["id"])], _percent(i["in_top_k"])) for i in ranked[:5]]
        first = min(boot["items"], key=lambda i: (int(i["place"]), int(i["id"])))
        leader, keeps = titles[int(first["id"])], _percent(first["keeps_place"])
    heatmap = None
    if kemeny is not None:
        heatmap = pairwise_heatmap(
            titles,
            (analysis.get("pairwise") or {}).get("support"),
            [int(a) for tier in kemeny["ranking"] for a in tier],
        )
    return LiveResult(
        ballots=int(payload.get("ballots", 0)),
        borda=borda_bars,
        kemeny=consensus,
        kemeny_unique=unique,
        kemeny_exact=exact,
        same_places=same,
        deciding=deciding,
        kendall_w=(analysis.get("agreement") or {}).get("kendall_w"),
        polarised=polarised,
        chances=chances,
        certainty=contrast.get("top"),
        leader=leader,
        leader_keeps=keeps,
        heatmap=heatmap,
        tiers=tiers,
        reveal=Reveal(tiers, shown_places(revealed, tiers)),
        revealed_at=revealed,
        weighting=str(payload.get("weighting", "equal")),
        groups=group_views(
            payload.get("breakdown"),
            titles,
            [int(a) for tier in (kemeny or {}).get("ranking", []) for a in tier],
            floor=floor,
            pillars=pillars or {},
        ),
        other_weighting=[
            (titles[int(d["id"])], int(d["place"]), int(d["other"]))
            for d in contrast.get("other_weighting", [])
        ],
    )


def reveal_places(db: Session, ranking_session: RankingSession) -> tuple[Round | None, int]:
    """The closed round the screens show and how many places its reveal has (consensus tiers).

    ``(None, 0)`` when the current round is not closed. The places come from the
    cached result (closing stored the final one).
    """
    round_ = current_round(ranking_session)
    if round_ is None or round_.state is not RoundState.CLOSED:
        return None, 0
    payload, _version = live_result_version(db, round_)
    methods = ((payload or {}).get("analysis") or {}).get("methods") or {}
    kemeny = methods.get("kemeny") or {}
    return round_, len(kemeny.get("ranking") or [])


def console_result(db: Session, round_: Round) -> LiveResult | None:
    """The live result for the facilitator's console: every round, hidden ones included.

    The same cached payload as the big screen (no extra computation); the
    reveal position is applied as on the screen, so the console says how far it is.
    """
    if round_.state is RoundState.DRAFT:
        return None
    payload, _version = live_result_version(db, round_)
    if not payload:
        return None
    revealed = round_.revealed if round_.state is RoundState.CLOSED else None
    return parse_result(payload, revealed, floor=breakdown_floor(), pillars=pillar_names(db))
