"""Joining a session from a phone: no account, a random token in the signed cookie."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from ..models import Organisation, Participant, Pillar, RankingSession
from .codes import new_participant_token, token_digest
from .errors import ServiceError

NAME_MAX = 120
ORGANISATION_MAX = 200


#: one tap on the join page: (what the big screen counts them under, their pillar's key).
#: Residents are the pillar "Participatie en gebruik" by its own definition.
QUICK_ROLES: dict[str, tuple[str, str | None]] = {
    "inwoner": ("Inwoner", "participatie"),
    "bezoeker": ("Bezoeker", None),
}


def join_session(
    db: Session,
    ranking_session: RankingSession,
    *,
    organisation_id: int | None,
    organisation_other: str | None,
    pillar_id: int | None,
    display_name: str | None,
    quick_role: str | None = None,
) -> tuple[Participant, str]:
    """Register a phone. Returns the participant and the token for its cookie (shown once).

    What must be answered is the session's choice (``ask_organisation``,
    ``ask_pillar``); with ``quick_roles`` a resident or visitor joins with one tap
    (``quick_role``), counted under "Inwoner" or "Bezoeker" on the big screen.
    """
    if ranking_session.joining_locked:
        raise ServiceError(_l("Deze sessie is gesloten voor nieuwe deelnemers."), status=403)
    other = " ".join((organisation_other or "").split()) or None
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
        if db.get(Organisation, organisation_id) is None:
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
        match = db.scalar(select(Organisation).where(Organisation.name.ilike(other)))
        if match is not None:
            organisation_id, other = match.id, None
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


def participant_for_token(
    db: Session, ranking_session: RankingSession, token: str | None
) -> Participant | None:
    if not token:
        return None
    return db.scalar(
        _PARTICIPANT_BY_TOKEN, {"token_hash": token_digest(token), "session_id": ranking_session.id}
    )
