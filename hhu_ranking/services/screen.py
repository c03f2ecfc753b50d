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
from .results import ballots_version, live_result_version
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
class BordaBar:
    title: str
    score: float
    #: bar length relative to the highest score, 0-100
    percent: float
    #: 1-based place, shared by tied items
    place: int


@dataclass(frozen=True)
class LiveResult:
    ballots: int
    borda: list[BordaBar]
    #: the Kemeny consensus as tiers of titles, best first
    kemeny: list[list[str]]
    kemeny_unique: bool = True
    #: False when the exact Kemeny search ran out of time (the payload says so)
    kemeny_exact: bool = True


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
        payload, payload_version = live_result_version(db, round_)
        view.fresh = payload_version >= version
        view.result = parse_result(payload) if payload else None
    return view


def parse_result(payload: dict[str, Any]) -> LiveResult | None:
    """Turn the cached payload into what the template draws.

    ``payload["analysis"]`` is ``aggregation.report.analyse``'s dict: methods
    give ``ranking`` as tiers of 0-based alternative ids (the round's item
    order, as in ``payload["items"]``) and ``scores`` keyed by those ids as
    strings.
    """
    analysis = payload.get("analysis")
    if not analysis:
        return None
    titles = [str(item["title"]) for item in payload.get("items", [])]
    methods = analysis.get("methods", {})
    borda_bars: list[BordaBar] = []
    borda = methods.get("borda")
    if borda is not None:
        scores = {int(k): float(v) for k, v in borda["scores"].items()}
        top = max(scores.values(), default=0.0) or 1.0
        place = 1
        for tier in borda["ranking"]:
            for alternative in tier:
                score = scores.get(int(alternative), 0.0)
                borda_bars.append(
                    BordaBar(titles[int(alternative)], score, max(0.0, 100.0 * score / top), place)
                )
            place += len(tier)
    kemeny_tiers: list[list[str]] = []
    unique = exact = True
    kemeny = methods.get("kemeny")
    if kemeny is not None:
        kemeny_tiers = [[titles[int(a)] for a in tier] for tier in kemeny["ranking"]]
        unique = bool(kemeny.get("unique", True))
        details = kemeny.get("details") or {}
        # a time budget hit is reported, never hidden: the screen says the order is not final
        exact = bool(details.get("optimal", True)) and not details.get("time_limit_hit", False)
    return LiveResult(int(payload.get("ballots", 0)), borda_bars, kemeny_tiers, unique, exact)
