"""Joining a session from a phone: no account, a random token in the signed cookie."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload

from ..models import Organisation, Participant, Pillar, RankingSession, RoundState
from .codes import new_participant_token, token_digest
from .errors import ServiceError
from .text import text_key

NAME_MAX = 120
ORGANISATION_MAX = 200
ENDED_MESSAGE = _l(
    "Deze sessie is afgelopen. Meedoen kan niet meer; vraag de gespreksleider naar een nieuwe code."
)


#: one tap on the join page: (what the big screen counts them under, their pillar's key).
#: Residents are the pillar "Participatie en gebruik" by its own definition.
QUICK_ROLES: dict[str, tuple[str, str | None]] = {
    "inwoner": ("Inwoner", "participatie"),
    "bezoeker": ("Bezoeker", None),
}


#: the room's clock: a session's day ends at midnight in Utrecht
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def session_ended_at(ranking_session: RankingSession) -> datetime | None:
    """When the session ended: the end of its day or its last close, whichever is later;
    None while a round is open (a facilitator running it late has not ended it)."""
    rounds = ranking_session.rounds
    if any(round_.state is RoundState.OPEN for round_ in rounds):
        return None
    day_end = datetime.combine(ranking_session.held_on + timedelta(days=1), time(), LOCAL_TZ)
    closes = [round_.closed_at for round_ in rounds if round_.closed_at is not None]
    return max([day_end, *closes])


def joining_ended(
    ranking_session: RankingSession, *, now: datetime, closes_after: timedelta | None
) -> bool:
    """True when the session ended more than ``closes_after`` ago (None: never closes)."""
    if closes_after is None:
        return False
    ended = session_ended_at(ranking_session)
    return ended is not None and now >= ended + closes_after


def roster_match(ranking_session: RankingSession, name: str | None) -> str | None:
    """The roster's own spelling of ``name``, or None when the roster has no such entry."""
    wanted = text_key(name or "")
    return next((e for e in ranking_session.join_roster or [] if text_key(e) == wanted), None)


def _refuse_when_full(db: Session, ranking_session: RankingSession) -> None:
    """With a cap, joins of this session take turns: the no-op UPDATE row-locks the session
    on PostgreSQL and takes SQLite's write lock, so the count below already holds every
    join committed before, and two phones cannot both take the last place."""
    cap = ranking_session.max_participants
    if cap is None:
        return
    db.execute(
        update(RankingSession)
        .where(RankingSession.id == ranking_session.id)
        .values(max_participants=RankingSession.max_participants)
        .execution_options(synchronize_session=False)
    )
    joined = db.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.session_id == ranking_session.id)
    )
    if (joined or 0) >= cap:
        raise ServiceError(
            _l(
                "Deze sessie is vol: er doen al %(n)s deelnemers mee. Vraag de gespreksleider "
                "om je toe te laten.",
                n=cap,
            ),
            status=403,
        )


def join_session(
    db: Session,
    ranking_session: RankingSession,
    *,
    organisation_id: int | None,
    organisation_other: str | None,
    pillar_id: int | None,
    display_name: str | None,
    quick_role: str | None = None,
    now: datetime | None = None,
    closes_after: timedelta | None = None,
) -> tuple[Participant, str]:
    """Register a phone. Returns the participant and the token for its cookie (shown once).

    What must be answered is the session's choice (``ask_organisation``,
    ``ask_pillar``); with ``quick_roles`` a resident or visitor joins with one tap
    (``quick_role``), counted under "Inwoner" or "Bezoeker" on the big screen.
    Refused when joining is locked, the session ended more than ``closes_after`` before
    ``now``, it is full (``max_participants``), or its roster lacks the organisation.
    """
    if ranking_session.joining_locked:
        raise ServiceError(_l("Deze sessie is gesloten voor nieuwe deelnemers."), status=403)
    if now is not None and joining_ended(ranking_session, now=now, closes_after=closes_after):
        raise ServiceError(ENDED_MESSAGE, status=403)
    other = " ".join((organisation_other or "").split()) or None
    # the partner the phone joins for, once looked up (its pages name it)
    partner: Organisation | None = None
    roster = ranking_session.join_roster
    if roster:
        # only the named organisations: no one-tap role, no other name, no partner not on it
        if organisation_id is not None:
            organisation = db.get(Organisation, organisation_id)
            other = organisation.name if organisation is not None else None
            organisation_id = None
        if (listed := roster_match(ranking_session, other)) is None:
            raise ServiceError(
                _l("Kies je organisatie uit de lijst: alleen die organisaties doen mee.")
            )
        other, quick_role = listed, None
    role = QUICK_ROLES.get(quick_role or "") if ranking_session.quick_roles else None
    if role is not None:
        label, pillar_key = role
        organisation_id, other = None, label
        pillar_id = (
            db.scalar(select(Pillar.id).where(Pillar.key == pillar_key)) if pillar_key else None
        )
    elif organisation_id is None and other is None and not ranking_session.ask_organisation:
        pass  # the session does not ask for one
    elif organisation_id is not None:
        partner = db.get(Organisation, organisation_id)
        if partner is None:
            raise ServiceError(_l("Kies een organisatie uit de lijst."))
        other = None
    elif other is None:
        raise ServiceError(_l("Kies je organisatie, of typ de naam van een andere organisatie."))
    elif len(other) > ORGANISATION_MAX:
        raise ServiceError(
            _l(
                "De naam van de organisatie mag hoogstens %(n)s tekens hebben.",
                n=ORGANISATION_MAX,
            )
        )
    else:
        # a typed name that is in fact a partner counts as that partner
        partner = db.scalar(select(Organisation).where(Organisation.name.ilike(other)))
        if partner is not None:
            organisation_id, other = partner.id, None
    if pillar_id is not None and db.get(Pillar, pillar_id) is None:
        raise ServiceError(_l("Kies je werkveld."))
    if pillar_id is None and ranking_session.ask_pillar and role is None:
        raise ServiceError(_l("Kies je werkveld."))
    name = " ".join((display_name or "").split()) or None
    if name is not None and not ranking_session.ask_names:
        # collect little: a name only when the facilitator asked for names (services.privacy)
        raise ServiceError(_l("In deze sessie vragen we geen namen. Laat je naam weg."))
    if name is not None and len(name) > NAME_MAX:
        raise ServiceError(_l("Je naam mag hoogstens %(n)s tekens hebben.", n=NAME_MAX))
    _refuse_when_full(db, ranking_session)
    token = new_participant_token()
    participant = Participant(
        # by id: through the relationship the session's participants collection takes part
        session_id=ranking_session.id,
        token_hash=token_digest(token),
        organisation_id=organisation_id,
        organisation_other=other,
        pillar_id=pillar_id,
        display_name=name,
    )
    if partner is not None:
        # not loaded again for the ballot page the join answers with
        participant.organisation = partner
    db.add(participant)
    db.flush()
    return participant, token


#: built once: every phone request after joining looks its participant up, with the
#: organisation the phone's pages name (else a query of its own on every page)
_PARTICIPANT_BY_TOKEN = (
    select(Participant)
    .options(joinedload(Participant.organisation))
    .where(
        Participant.token_hash == bindparam("token_hash"),
        Participant.session_id == bindparam("session_id"),
    )
)


#: the phone and how many have joined its session, in one round trip: every page that
#: shows a round names the poll interval, which depends on that count
_PARTICIPANT_AND_COUNT_BY_TOKEN = _PARTICIPANT_BY_TOKEN.add_columns(
    select(func.count())
    .select_from(Participant)
    .where(Participant.session_id == bindparam("session_id"))
    .scalar_subquery()
)


def participant_and_count(
    db: Session, ranking_session: RankingSession, token: str | None, *, count: bool = True
) -> tuple[Participant | None, int | None]:
    """The token's participant and the session's participant count (None without one).

    ``count=False`` leaves the count out (None) for a page that names no poll interval:
    counting reads every participant's index entry, which in a hall of thousands costs
    the database more than finding the phone.
    """
    if not token:
        return None, None
    params = {"token_hash": token_digest(token), "session_id": ranking_session.id}
    if not count:
        return db.scalars(_PARTICIPANT_BY_TOKEN, params).one_or_none(), None
    row = db.execute(_PARTICIPANT_AND_COUNT_BY_TOKEN, params).one_or_none()
    if row is None:
        return None, None
    return row[0], int(row[1])
