"""Who may run a session: its creator, the co-facilitators added to it, and admins.

The kerngroep keeps its rights of today (the agenda; reading and exporting every outcome)
but runs only the sessions it created or was added to, like any facilitator. A session
without a creator (made before creators were recorded, or by a script) stays open to
every facilitator, as it was; SECURITY.md says so.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from ..models import RankingSession, Role, SessionFacilitator, User, utcnow
from . import audit
from .errors import ServiceError


def can_run(db: Session, user: User, ranking_session: RankingSession) -> bool:
    """May ``user`` change this session, its rounds and its participants?"""
    if user.role is Role.ADMIN or ranking_session.created_by_id in (None, user.id):
        return True
    return (
        db.get(SessionFacilitator, {"session_id": ranking_session.id, "user_id": user.id})
        is not None
    )


def listed_for(user: User | None) -> ColumnElement[bool]:
    """Which sessions ``user``'s dashboard lists: those it may run (its own, those it was
    added to, those without a creator); all of them for admins and the kerngroep, who may
    export every session. Another facilitator's sessions are not even named."""
    if user is None or user.role in (Role.ADMIN, Role.KERNGROEP):
        return true()
    added = select(SessionFacilitator.session_id).where(SessionFacilitator.user_id == user.id)
    return or_(
        RankingSession.created_by_id.is_(None),
        RankingSession.created_by_id == user.id,
        RankingSession.id.in_(added),
    )


def can_export(db: Session, user: User, ranking_session: RankingSession) -> bool:
    """May ``user`` download this session's ballots and outcomes? The kerngroep may, always."""
    return user.role is Role.KERNGROEP or can_run(db, user, ranking_session)


def co_facilitators(db: Session, ranking_session: RankingSession) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(SessionFacilitator, SessionFacilitator.user_id == User.id)
            .where(SessionFacilitator.session_id == ranking_session.id)
            .order_by(User.name)
        )
    )


def add_co_facilitator(
    db: Session, ranking_session: RankingSession, email: str, *, added_by: User
) -> User:
    """Let the account with this e-mail run the session too. Flushes, does not commit."""
    if not can_run(db, added_by, ranking_session):
        raise ServiceError(_l("Je mag deze sessie niet beheren."), status=403)
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise ServiceError(_l("Er is geen actief account met dit e-mailadres."), status=422)
    if user.id == ranking_session.created_by_id or can_run(db, user, ranking_session):
        raise ServiceError(_l("%(name)s beheert deze sessie al.", name=user.name), status=409)
    db.add(
        SessionFacilitator(
            session_id=ranking_session.id,
            user_id=user.id,
            added_by_id=added_by.id,
            added_at=utcnow(),
        )
    )
    db.flush()
    audit.record(
        db, "session.co_facilitator", actor=added_by, session_id=ranking_session.id, user_id=user.id
    )
    return user
