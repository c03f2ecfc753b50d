"""Bearer tokens for the read-only JSON API.

A token is ``hhu_`` followed by 43 random URL-safe characters (256 bits). It
is shown once, when created with ``flask create-api-token --user EMAIL``;
only its SHA-256 is stored, so a copy of the database gives no working
token. A token reads as its user, and stops working when it is revoked or
the user's account is made inactive. Any account may have tokens: the API
shows what every logged-in facilitator and kerngroep member can already see.

Reading with a token writes nothing. What the kerngroep needs to tidy up its
tokens is the day each was last used (``flask list-api-tokens``), so a token's
first request of a (UTC) day notes that day in one short write of its own,
after the answer and outside the request's unit of work: at most one write per
token per day, never one per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..models import ApiToken, User, utcnow
from .errors import ServiceError

TOKEN_PREFIX = "hhu_"  # noqa: S105 - a visible prefix, not a secret
NAME_MAX = 120


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns the row and the token text (its only appearance)."""
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise ServiceError(_l("De naam mag hoogstens %(n)s tekens hebben.", n=NAME_MAX))
    if not user.active:
        raise ServiceError(_l("Dit account is niet actief."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token))
    db.add(row)
    db.flush()
    return row, token


def create_token_for_email(db: Session, email: str, name: str = "") -> tuple[ApiToken, str]:
    user = db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise ServiceError(
            _l("Er is geen account met e-mailadres %(email)s.", email=email), status=404
        )
    return create_token(db, user, name)


def bearer_token(header: str | None) -> str | None:
    """The token from an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(db: Session, token: str | None) -> ApiToken | None:
    """The valid, unrevoked token whose user is active; None otherwise. Only reads."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row


def _start_of_day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), datetime.min.time(), UTC)


def use_unrecorded(row: ApiToken, now: datetime | None = None) -> bool:
    """Whether today's use of ``row`` is not noted yet (so ``record_use`` would write)."""
    last = row.last_used_at
    return last is None or last < _start_of_day(now or utcnow())


def record_use(db: Session, token_id: int, now: datetime | None = None) -> bool:
    """Note that the token was used today: one conditional UPDATE, a no-op once noted.

    The condition is in the statement, so two requests at once write the day once.
    Returns whether it wrote.
    """
    now = now or utcnow()
    result = db.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < _start_of_day(now)),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def last_used_on(row: ApiToken) -> date | None:
    """The (UTC) day the token was last used, the resolution ``record_use`` keeps."""
    return row.last_used_at.astimezone(UTC).date() if row.last_used_at else None


def revoke_token(db: Session, token_id: int) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None:
        raise ServiceError(_l("Er is geen token met nummer %(n)s.", n=token_id), status=404)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def tokens(db: Session) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).order_by(ApiToken.id)))
