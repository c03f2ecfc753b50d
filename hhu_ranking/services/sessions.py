"""Creating, copying and locking ranking sessions."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from ..models import MeetingKind, Participant, RankingSession, Round, RoundItem, User
from . import audit
from .access import listed_for
from .codes import new_join_code, normalise_join_code
from .errors import ServiceError
from .participants import ORGANISATION_MAX
from .text import clean_line, text_key

#: what a phone is asked on joining, by the facilitator's choice per session:
#: (ask_organisation, ask_pillar, quick_roles). A festival asks only "Waar kom je vandaan?",
#: with one tap for residents and visitors: enough for the breakdown by organisation.
JOIN_PRESETS: dict[str, tuple[bool, bool, bool]] = {
    "partners": (True, True, False),
    "festival": (True, False, True),
    "niets": (False, False, False),
}


def join_preset(ranking_session: RankingSession) -> str:
    """The preset a session's join questions match (every combination is one of them)."""
    current = (
        ranking_session.ask_organisation,
        ranking_session.ask_pillar,
        ranking_session.quick_roles,
    )
    for name, questions in JOIN_PRESETS.items():
        if questions == current:
            return name
    return "partners"


def set_join_questions(db: Session, ranking_session: RankingSession, preset: str) -> None:
    """Choose what phones that join from now on are asked; those already in keep their answers."""
    if preset not in JOIN_PRESETS:
        raise ServiceError(_l("Kies welke vragen een telefoon krijgt."))
    (
        ranking_session.ask_organisation,
        ranking_session.ask_pillar,
        ranking_session.quick_roles,
    ) = JOIN_PRESETS[preset]
    audit.record(
        db, "session.join_questions", session_id=ranking_session.id, detail={"preset": preset}
    )


#: a roster of more names than this is a paste gone wrong, not a meeting
ROSTER_MAX = 300
CAP_MAX = 100_000


def parse_roster(text: str) -> list[str]:
    """One organisation per line, cleaned (``services.text``), duplicates and blanks left out."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        name = clean_line(line)
        if not name:
            continue
        if len(name) > ORGANISATION_MAX:
            raise ServiceError(
                _l(
                    "Een organisatie in de lijst mag hoogstens %(n)s tekens hebben.",
                    n=ORGANISATION_MAX,
                )
            )
        names.setdefault(text_key(name), name)
    if len(names) > ROSTER_MAX:
        raise ServiceError(_l("De lijst mag hoogstens %(n)s organisaties hebben.", n=ROSTER_MAX))
    return list(names.values())


def set_join_limits(
    db: Session, ranking_session: RankingSession, *, cap: int | None, roster: str
) -> None:
    """A cap on participants (None: none) and a roster of organisations (empty: anyone).

    Those who already joined stay in, also beyond a new cap or outside a new roster.
    """
    if cap is not None and not 1 <= cap <= CAP_MAX:
        raise ServiceError(
            _l("Het maximum aantal deelnemers moet tussen 1 en %(n)s liggen.", n=CAP_MAX)
        )
    ranking_session.max_participants = cap
    ranking_session.join_roster = parse_roster(roster) or None
    db.flush()


def create_session(
    db: Session,
    *,
    title: str,
    held_on: date,
    kind: MeetingKind,
    coalition_id: int | None = None,
    created_by: User | None = None,
    copied_from_id: int | None = None,
    ask_names: bool = False,
    join_questions: str = "partners",
) -> RankingSession:
    title = title.strip()
    if join_questions not in JOIN_PRESETS:
        raise ServiceError(_l("Kies welke vragen een telefoon krijgt."))
    ask_organisation, ask_pillar, quick_roles = JOIN_PRESETS[join_questions]
    if not title:
        raise ServiceError(_l("Geef de sessie een titel."))
    for _ in range(10):
        ranking_session = RankingSession(
            title=title,
            held_on=held_on,
            kind=kind,
            coalition_id=coalition_id,
            join_code=new_join_code(),
            created_by=created_by,
            copied_from_id=copied_from_id,
            ask_names=ask_names,
            ask_organisation=ask_organisation,
            ask_pillar=ask_pillar,
            quick_roles=quick_roles,
        )
        try:
            with db.begin_nested():
                db.add(ranking_session)
                db.flush()
        except IntegrityError:
            continue  # join code collision: draw again
        if copied_from_id is None:  # a copy is recorded as one, by copy_session
            audit.record(
                db, "session.create", session_id=ranking_session.id, detail={"title": title}
            )
        return ranking_session
    raise ServiceError(_l("Kon geen unieke code maken; probeer het opnieuw."), status=500)


#: built once: every phone request looks its session up (statement building costs as much
#: as the query itself)
_SESSION_BY_CODE = select(RankingSession).where(RankingSession.join_code == bindparam("code"))
#: the same with its rounds, for the pages that show the current round (one round trip
#: instead of two: on PostgreSQL each costs a wait for the server under load)
_SESSION_WITH_ROUNDS_BY_CODE = _SESSION_BY_CODE.options(joinedload(RankingSession.rounds))
_PARTICIPANT_COUNT = (
    select(func.count())
    .select_from(Participant)
    .where(Participant.session_id == bindparam("session_id"))
)


def find_by_code(db: Session, raw_code: str, *, with_rounds: bool = False) -> RankingSession | None:
    """The session of a join code; ``with_rounds`` loads its rounds in the same query."""
    code = normalise_join_code(raw_code)
    if not code:
        return None
    if with_rounds:
        found = db.scalars(_SESSION_WITH_ROUNDS_BY_CODE, {"code": code}).unique()
        return found.one_or_none()
    return db.scalar(_SESSION_BY_CODE, {"code": code})


def copy_session(
    db: Session,
    source: RankingSession,
    *,
    title: str,
    held_on: date,
    created_by: User | None = None,
) -> RankingSession:
    """Start a new session from a past one: same rounds and items, no ballots, all drafts."""
    copy = create_session(
        db,
        title=title,
        held_on=held_on,
        kind=source.kind,
        coalition_id=source.coalition_id,
        created_by=created_by,
        copied_from_id=source.id,
        ask_names=source.ask_names,
        join_questions=join_preset(source),
    )
    for round_ in source.rounds:
        new_round = Round(
            title=round_.title,
            position=round_.position,
            mode=round_.mode,
            top_k=round_.top_k,
            results_live=round_.results_live,
            anonymous=round_.anonymous,
            catalogue_list_id=round_.catalogue_list_id,
        )
        new_round.items = [
            RoundItem(
                position=i.position,
                title=i.title,
                explanation=i.explanation,
                catalogue_item_id=i.catalogue_item_id,
            )
            for i in round_.items
        ]
        copy.rounds.append(new_round)
    db.flush()
    audit.record(
        db,
        "session.copy",
        session_id=copy.id,
        detail={"title": copy.title, "copied_from": source.id},
    )
    return copy


def bump_state(db: Session, session_id: int) -> None:
    """Tell phones and projectors that rounds or joining changed.

    Joins and ballots do not come here: projectors see them in counts and
    ``Ballot.seq`` (services.screen.activity_versions), so no join or ballot
    updates the session row that every other one would queue behind.
    """
    db.execute(
        update(RankingSession)
        .where(RankingSession.id == session_id)
        .values(state_version=RankingSession.state_version + 1)
    )


def set_joining_locked(db: Session, ranking_session: RankingSession, locked: bool) -> None:
    ranking_session.joining_locked = locked
    db.flush()
    bump_state(db, ranking_session.id)
    audit.record(db, "session.joining", session_id=ranking_session.id, detail={"locked": locked})


def sessions_by_date(
    db: Session, today: date, user: User | None = None
) -> tuple[list[RankingSession], list[RankingSession]]:
    """Sessions from today on (soonest first) and earlier ones (latest first); with
    ``user``, only those its dashboard lists (``access.listed_for``)."""
    listed = listed_for(user)
    upcoming = db.scalars(
        select(RankingSession)
        .where(RankingSession.held_on >= today, listed)
        .order_by(RankingSession.held_on, RankingSession.id)
    ).all()
    past = db.scalars(
        select(RankingSession)
        .where(RankingSession.held_on < today, listed)
        .order_by(RankingSession.held_on.desc(), RankingSession.id.desc())
    ).all()
    return list(upcoming), list(past)


def participant_count(db: Session, session_id: int) -> int:
    return db.scalar(_PARTICIPANT_COUNT, {"session_id": session_id}) or 0
