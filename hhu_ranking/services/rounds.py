"""Rounds: their items, their settings and their lifecycle draft -> open -> closed.

State changes are single conditional UPDATEs (``... WHERE state = 'open'``), so
two facilitators' clicks, or a click racing a ballot, cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..models import (
    Ballot,
    BallotMode,
    CatalogueItem,
    CatalogueList,
    Outcome,
    RankingSession,
    Round,
    RoundItem,
    RoundState,
    utcnow,
)
from . import audit
from .dml import rows_matched
from .errors import ServiceError
from .outcomes import WEIGHTING_EQUAL, WEIGHTINGS, freeze_outcome
from .results import compute_and_store
from .reveal import initial_reveal
from .sessions import bump_state
from .text import clean_line, text_key

MIN_ITEMS = 2
MAX_ITEMS = 30
TITLE_MAX = 200
EXPLANATION_MAX = 300


@dataclass(frozen=True)
class ItemSpec:
    title: str
    explanation: str = ""
    catalogue_item_id: int | None = None


def _check_items(items: Sequence[ItemSpec]) -> list[ItemSpec]:
    cleaned = [
        ItemSpec(clean_line(i.title), clean_line(i.explanation), i.catalogue_item_id)
        for i in items
        if clean_line(i.title)
    ]
    if not MIN_ITEMS <= len(cleaned) <= MAX_ITEMS:
        raise ServiceError(
            _l(
                "Een ronde heeft %(min)s tot %(max)s onderdelen; nu zijn het er %(n)s.",
                min=MIN_ITEMS,
                max=MAX_ITEMS,
                n=len(cleaned),
            )
        )
    titles = [text_key(i.title) for i in cleaned]
    if len(set(titles)) != len(titles):
        raise ServiceError(_l("Twee onderdelen hebben dezelfde titel."))
    for item in cleaned:
        if len(item.title) > TITLE_MAX:
            raise ServiceError(_l("Een titel mag hoogstens %(n)s tekens hebben.", n=TITLE_MAX))
        if len(item.explanation) > EXPLANATION_MAX:
            raise ServiceError(
                _l("Een toelichting mag hoogstens %(n)s tekens hebben.", n=EXPLANATION_MAX)
            )
    return cleaned


def _check_title(title: str) -> str:
    title = clean_line(title)
    if not title:
        raise ServiceError(_l("Geef de ronde een titel."))
    return title


def _check_mode(mode: BallotMode, top_k: int | None, item_count: int) -> int | None:
    if mode is BallotMode.FULL:
        return None
    if top_k is None or not 1 <= top_k < item_count:
        raise ServiceError(_l("Kies voor een top-k een k van 1 tot %(n)s.", n=item_count - 1))
    return top_k


def add_round(
    db: Session,
    ranking_session: RankingSession,
    *,
    title: str,
    items: Sequence[ItemSpec],
    mode: BallotMode = BallotMode.FULL,
    top_k: int | None = None,
    results_live: bool = True,
    anonymous: bool = True,
    catalogue_list_id: int | None = None,
    weighting: str = WEIGHTING_EQUAL,
) -> Round:
    cleaned = _check_items(items)
    title = _check_title(title)
    top_k = _check_mode(mode, top_k, len(cleaned))
    position = db.scalar(
        select(func.coalesce(func.max(Round.position), -1) + 1).where(
            Round.session_id == ranking_session.id
        )
    )
    round_ = Round(
        session=ranking_session,
        title=title,
        mode=mode,
        top_k=top_k,
        results_live=results_live,
        anonymous=anonymous,
        weighting=_check_weighting(weighting),
        position=position,
        catalogue_list_id=catalogue_list_id,
    )
    round_.items = _round_items(cleaned)
    db.add(round_)
    _items_changed(db, "round.create", round_)
    return round_


def _items_changed(db: Session, action: str, round_: Round) -> None:
    """After a round was made or its items replaced: screens refresh, the audit log notes it."""
    db.flush()
    bump_state(db, round_.session_id)
    audit.record(
        db,
        action,
        session_id=round_.session_id,
        round_id=round_.id,
        detail={"title": round_.title, "items": len(round_.items), "anonymous": round_.anonymous},
    )


def items_from_catalogue(catalogue_list: CatalogueList) -> list[ItemSpec]:
    return [ItemSpec(i.title, i.explanation, i.id) for i in catalogue_list.items]


def _round_items(specs: Sequence[ItemSpec]) -> list[RoundItem]:
    """Round items in the given order, positions from 0."""
    return [
        RoundItem(
            position=p,
            title=i.title,
            explanation=i.explanation,
            catalogue_item_id=i.catalogue_item_id,
        )
        for p, i in enumerate(specs)
    ]


def _require_draft(round_: Round) -> None:
    if round_.state is not RoundState.DRAFT:
        raise ServiceError(_l("De onderdelen liggen vast zodra een ronde geopend is."), status=409)


@dataclass(frozen=True)
class RoundSettings:
    """What a facilitator sets for a round besides its items (``update_settings``,
    ``edit_draft_round``); a ``weighting`` of None keeps the round's own."""

    title: str
    mode: BallotMode
    top_k: int | None
    results_live: bool
    anonymous: bool
    weighting: str | None = None

    def unpacked(self) -> tuple[str, BallotMode, int | None, bool, bool, str | None]:
        return (
            self.title,
            self.mode,
            self.top_k,
            self.results_live,
            self.anonymous,
            self.weighting,
        )


def update_settings(db: Session, round_: Round, settings: RoundSettings) -> None:
    """Change a round's title and settings; what is fixed once it opened stays so."""
    title, mode, top_k, results_live, anonymous, weighting = settings.unpacked()
    if round_.state is not RoundState.DRAFT and (mode is not round_.mode or top_k != round_.top_k):
        raise ServiceError(
            _l("Het soort stemming ligt vast zodra een ronde geopend is."), status=409
        )
    if (
        round_.state is not RoundState.DRAFT
        and weighting is not None
        and weighting != round_.weighting
    ):
        # ballots already count one way: switching mid-round would change what every voter
        # saw on the screen and what the outcome's parameters say was counted
        raise ServiceError(
            _l("De manier van tellen ligt vast zodra een ronde geopend is."), status=409
        )
    bumped = anonymous != round_.anonymous
    if bumped:
        # the round's row first: a ballot in flight (it holds the row FOR SHARE) commits
        # before the check below reads, and a later one waits until this change is done
        db.execute(update(Round).where(Round.id == round_.id).values(version=Round.version + 1))
    if bumped and has_ballots(db, round_):
        # whoever voted did so on the promise shown on their ballot; names may not appear
        # (or vanish) in the outcome afterwards
        raise ServiceError(
            _l(
                "Of de ronde anoniem is, ligt vast zodra er stemmen zijn: wie stemde, "
                "ging daarvan uit."
            ),
            status=409,
        )
    title = _check_title(title)
    changed = {
        name: new
        for name, old, new in (
            ("title", round_.title, title),
            ("results_live", round_.results_live, results_live),
            ("anonymous", round_.anonymous, anonymous),
            (
                "weighting",
                round_.weighting,
                weighting if weighting is not None else round_.weighting,
            ),
        )
        if old != new
    }
    round_.title = title
    round_.top_k = _check_mode(mode, top_k, len(round_.items))
    round_.mode = mode
    round_.results_live = results_live
    round_.anonymous = anonymous
    if weighting is not None:
        round_.weighting = _check_weighting(weighting)
    if not bumped:
        db.execute(update(Round).where(Round.id == round_.id).values(version=Round.version + 1))
    db.flush()
    bump_state(db, round_.session_id)
    audit.record(
        db, "round.settings", session_id=round_.session_id, round_id=round_.id, detail=changed
    )


def has_ballots(db: Session, round_: Round) -> bool:
    """Has anyone voted in this round (a ballot now, or one counted in an outcome)?"""
    return bool(
        db.scalar(select(exists().where(Ballot.round_id == round_.id)))
        or db.scalar(
            select(exists().where(Outcome.round_id == round_.id, Outcome.ballot_count > 0))
        )
    )


def _check_weighting(weighting: str) -> str:
    if weighting not in WEIGHTINGS:
        raise ServiceError(_l("Onbekende manier van tellen."))
    return weighting


def open_round(db: Session, round_: Round) -> None:
    """Open a draft round, or re-open a closed one. One open round per session at a time."""
    if len(round_.items) < MIN_ITEMS:
        raise ServiceError(_l("Een ronde heeft minstens %(n)s onderdelen nodig.", n=MIN_ITEMS))
    other_open = db.scalar(
        select(Round.title).where(
            Round.session_id == round_.session_id,
            Round.state == RoundState.OPEN,
            Round.id != round_.id,
        )
    )
    if other_open is not None:
        raise ServiceError(_l("Sluit eerst de ronde ‘%(title)s’.", title=other_open), status=409)
    reopened = round_.state is RoundState.CLOSED
    try:
        # the check above reads; two facilitators clicking at once both pass it, and the
        # database's one-open-round index (uq_round_one_open_per_session) refuses the second
        with db.begin_nested():
            opened = rows_matched(
                db,
                update(Round)
                .where(Round.id == round_.id, Round.state != RoundState.OPEN)
                .values(
                    state=RoundState.OPEN,
                    version=Round.version + 1,
                    opened_at=utcnow(),
                    closed_at=None,
                    revealed=None,
                ),
            )
    except IntegrityError as clash:
        raise ServiceError(
            _l("Er is net een andere ronde geopend. Sluit die eerst."), status=409
        ) from clash
    if opened != 1:
        raise ServiceError(_l("Deze ronde is al open."), status=409)
    bump_state(db, round_.session_id)
    db.refresh(round_)
    audit.record(
        db,
        "round.open",
        session_id=round_.session_id,
        round_id=round_.id,
        detail={"title": round_.title, "reopened": reopened},
    )


def close_round(db: Session, round_: Round) -> None:
    """Close an open round and freeze its outcome (a new version) in the same transaction."""
    closed = rows_matched(
        db,
        update(Round)
        .where(Round.id == round_.id, Round.state == RoundState.OPEN)
        .values(
            state=RoundState.CLOSED,
            version=Round.version + 1,
            closed_at=utcnow(),
            revealed=initial_reveal(round_),
        ),
    )
    if closed != 1:
        raise ServiceError(_l("Deze ronde is niet open."), status=409)
    bump_state(db, round_.session_id)
    db.refresh(round_)
    outcome = freeze_outcome(db, round_)
    # the moment of truth: every phone and screen asks at once; they find this stored result
    compute_and_store(db, round_)
    audit.record(
        db,
        "round.close",
        session_id=round_.session_id,
        round_id=round_.id,
        detail={
            "title": round_.title,
            "ballots": outcome.ballot_count,
            "outcome_version": outcome.version_number,
        },
    )


#: a phone's ballot names its round: with its items in the same query (the festival hall's
#: busiest write saves a round trip), and only if it is a round of the phone's session
_SESSION_ROUND_WITH_ITEMS = (
    select(Round)
    .options(joinedload(Round.items))
    .where(Round.id == bindparam("round_id"), Round.session_id == bindparam("session_id"))
)


def session_round_with_items(db: Session, session_id: int, round_id: int) -> Round | None:
    """The round ``round_id`` of session ``session_id`` with its items, or None."""
    found = db.scalars(_SESSION_ROUND_WITH_ITEMS, {"round_id": round_id, "session_id": session_id})
    return found.unique().one_or_none()


def current_round(ranking_session: RankingSession) -> Round | None:
    """The round the room is looking at: the open one, else the last closed one."""
    rounds = ranking_session.rounds
    for round_ in rounds:
        if round_.state is RoundState.OPEN:
            return round_
    closed = [r for r in rounds if r.state is RoundState.CLOSED and r.closed_at is not None]
    if closed:
        return max(closed, key=lambda r: r.closed_at)  # type: ignore[arg-type,return-value]
    return None


def items_from_lines(text: str) -> list[ItemSpec]:
    """Read items typed or pasted one per line, as ``Titel | toelichting``.

    Empty lines are skipped; the explanation after the first ``|`` is optional.
    Bullets people paste from documents (``-``, ``*``, ``•``) are dropped.
    """
    specs = []
    for line in text.splitlines():
        title, _sep, explanation = line.partition("|")
        title = title.strip().lstrip("-*•·").strip()
        if title:
            specs.append(ItemSpec(title, explanation.strip()))
    return specs


def edit_draft_round(
    db: Session, round_: Round, settings: RoundSettings, items: Sequence[ItemSpec]
) -> None:
    """Change a draft round's title, items, order and settings in one go.

    Items and settings are checked together, so a new k is measured against the
    new number of items (checking them one after the other can refuse a valid edit).
    """
    title, mode, top_k, results_live, anonymous, weighting = settings.unpacked()
    _require_draft(round_)
    cleaned = _check_items(items)
    title = _check_title(title)
    # a posted link to the catalogue is only kept when it points at a real catalogue item
    linked = {i.catalogue_item_id for i in cleaned if i.catalogue_item_id is not None}
    known = (
        set(db.scalars(select(CatalogueItem.id).where(CatalogueItem.id.in_(linked))))
        if linked
        else set()
    )
    cleaned = [
        i if i.catalogue_item_id in known else ItemSpec(i.title, i.explanation) for i in cleaned
    ]
    round_.top_k = _check_mode(mode, top_k, len(cleaned))
    round_.title = title
    round_.mode = mode
    round_.results_live = results_live
    round_.anonymous = anonymous
    if weighting is not None:
        round_.weighting = _check_weighting(weighting)
    round_.items.clear()
    db.flush()  # the old rows go first: (round_id, position) is unique
    round_.items.extend(_round_items(cleaned))
    db.execute(update(Round).where(Round.id == round_.id).values(version=Round.version + 1))
    _items_changed(db, "round.edit", round_)


def delete_round(db: Session, round_: Round) -> None:
    """Remove a round that never opened; rounds with (possible) ballots stay on record."""
    if round_.state is not RoundState.DRAFT:
        raise ServiceError(_l("Een ronde die al open is geweest, blijft bewaard."), status=409)
    session_id, round_id, title = round_.session_id, round_.id, round_.title
    db.delete(round_)
    db.flush()
    bump_state(db, session_id)
    # the round leaves no other trace: this says it was there, and who removed it
    audit.record(
        db, "round.delete", session_id=session_id, round_id=round_id, detail={"title": title}
    )


def ballot_counts(db: Session, round_ids: Sequence[int]) -> dict[int, int]:
    """How many ballots each round has (rounds without ballots are left out)."""
    if not round_ids:
        return {}
    rows = db.execute(
        select(Ballot.round_id, func.count())
        .where(Ballot.round_id.in_(round_ids))
        .group_by(Ballot.round_id)
    )
    return {round_id: count for round_id, count in rows}
