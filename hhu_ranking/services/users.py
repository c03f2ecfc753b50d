"""Creating facilitator and kerngroep accounts."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import hash_password
from ..models import Role, User
from . import audit
from .errors import ServiceError

MIN_PASSWORD_LENGTH = 10


def create_user(
    session: Session, email: str, name: str, password: str, role: Role = Role.FACILITATOR
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise ServiceError(_l("Geef een geldig e-mailadres."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l("Het wachtwoord moet minstens %(n)s tekens hebben.", n=MIN_PASSWORD_LENGTH)
        )
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ServiceError(_l("Er bestaat al een account met dit e-mailadres."))
    user = User(
        email=email, name=name.strip() or email, password_hash=hash_password(password), role=role
    )
    session.add(user)
    session.flush()
    audit.record(session, "account.create", user_id=user.id, detail={"role": role.value})
    return user


def ensure_first_facilitator(session: Session) -> tuple[str, str] | None:
    """Create an admin facilitator when there is no account yet; return its login once."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    email = "facilitator@hhu.local"
    password = secrets.token_urlsafe(12)
    create_user(session, email, "Gespreksleider", password, Role.ADMIN)
    return email, password
