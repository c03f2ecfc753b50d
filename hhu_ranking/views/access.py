"""Refusing a session to someone who may not run or export it: a 403, logged and audited."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from ..extensions import db_session
from ..models import RankingSession, User
from ..services import access, audit
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def _check(
    ranking_session: RankingSession, allowed: Callable[[Session, User, RankingSession], bool]
) -> RankingSession:
    user = current_user._get_current_object()  # the model, not the proxy
    if not isinstance(user, User) or not allowed(db_session(), user, ranking_session):
        log.warning(
            "refused: user %s may not %s session %s (%s %s)",
            getattr(user, "id", None),
            allowed.__name__,
            ranking_session.id,
            request.method,
            request.path,
        )
        # the refusal changes nothing, so its event is a small write of its own
        with unit_of_work():
            audit.record(
                db_session(),
                "access.refused",
                session_id=ranking_session.id,
                detail={"method": request.method, "path": request.path, "right": allowed.__name__},
            )
        abort(
            403,
            _(
                "Deze sessie is van een andere gespreksleider. Vraag die om je toe te "
                "voegen als gespreksleider van de sessie."
            ),
        )
    return ranking_session


def may_run_or_403(ranking_session: RankingSession) -> RankingSession:
    """The session, or a 403 when the user neither created it nor was added to it."""
    return _check(ranking_session, access.can_run)


def may_export_or_403(ranking_session: RankingSession) -> RankingSession:
    """The session, or a 403 when the user may not download its ballots and outcomes."""
    return _check(ranking_session, access.can_export)
