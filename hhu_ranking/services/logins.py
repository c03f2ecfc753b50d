"""Logging in: the same work for known and unknown addresses, limits that hold everywhere.

Failed logins are rows in ``login_failure``, counted per account and per address over a
window. Being in the database, the limits hold across gunicorn workers and hosts, unlike
Flask-Limiter's ``memory://`` storage (which stays as a cheap first line per worker). A
password is checked against a dummy argon2 hash when the account does not exist, so a
known and an unknown e-mail take the same time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from ..auth import hash_password, verify_password, verify_unknown_password
from ..models import LoginFailure, User
from . import audit
from .errors import ServiceError

#: how long a failed login counts
WINDOW = timedelta(minutes=15)
#: failed logins within the window after which an account takes no password at all
MAX_FAILURES_PER_ACCOUNT = 10
#: failed logins within the window from one address (a hall behind one NAT has many users)
MAX_FAILURES_PER_ADDRESS = 50


class TooManyFailures(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            _l(
                "Er is te vaak een verkeerd wachtwoord geprobeerd. Wacht een kwartier en "
                "probeer het dan opnieuw."
            ),
            status=429,
        )


def _digest(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def authenticate(
    db: Session, email: str, password: str, *, address: str, secret: str, now: datetime
) -> User | None:
    """The active account with this e-mail and password, or None (the failure is recorded).

    Raises ``TooManyFailures`` (429) when the account or the address has failed too often
    within ``WINDOW``, whatever the password. ``secret`` keys the stored digests.
    """
    email = email.strip().lower()
    account, origin = _digest(secret, f"account:{email}"), _digest(secret, f"address:{address}")
    since = now - WINDOW

    def failures(*where: ColumnElement[bool]) -> int:
        return db.scalar(select(func.count()).select_from(LoginFailure).where(*where)) or 0

    if (
        failures(LoginFailure.account == account, LoginFailure.failed_at > since)
        >= MAX_FAILURES_PER_ACCOUNT
        or failures(LoginFailure.address == origin, LoginFailure.failed_at > since)
        >= MAX_FAILURES_PER_ADDRESS
    ):
        raise TooManyFailures()
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        verify_unknown_password(password)
    elif verify_password(user, password) and user.active:
        db.execute(delete(LoginFailure).where(LoginFailure.account == account))
        audit.record(db, "login", actor=user, at=now)
        return user
    db.execute(delete(LoginFailure).where(LoginFailure.failed_at <= since))
    db.add(LoginFailure(account=account, address=origin, failed_at=now))
    # nobody is logged in: a known account is named as the subject; what was typed for an
    # unknown one is not kept (people type their password in the wrong field)
    audit.record(db, "login.failed", actor=None, user_id=user.id if user else None, at=now)
    return None


def record_blocked(db: Session, email: str, *, now: datetime) -> None:
    """Note a login refused for too many failures (the view writes it on its own)."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    audit.record(db, "login.blocked", actor=None, user_id=user.id if user else None, at=now)


def log_out(db: Session, user: User) -> None:
    """The account logs out: every copy of its session cookie and remember-me token ends."""
    end_all_sessions(db, user)
    audit.record(db, "logout", actor=user)


def end_all_sessions(db: Session, user: User) -> None:
    """Every session cookie and remember-me token of this account stops working."""
    user.session_generation += 1
    db.flush()


def set_password(db: Session, user: User, password: str) -> None:
    """A new password; every session and remember-me token made with the old one ends."""
    from .users import MIN_PASSWORD_LENGTH

    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l("Het wachtwoord moet minstens %(n)s tekens hebben.", n=MIN_PASSWORD_LENGTH)
        )
    user.password_hash = hash_password(password)
    end_all_sessions(db, user)
    audit.record(db, "account.password", user_id=user.id)
