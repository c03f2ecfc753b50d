"""Facilitator login: Flask-Login with argon2id password hashes."""

from __future__ import annotations

from contextlib import suppress
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

from .extensions import db, login_manager
from .models import User

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        ok = _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if ok and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return ok


@cache
def _dummy_hash() -> str:
    """A hash of no one's password, made once per process with the current parameters."""
    return _hasher.hash("no account has this password")


def verify_unknown_password(password: str) -> bool:
    """Do the work of :func:`verify_password` for an account that does not exist; False.

    Without it an unknown e-mail answers in milliseconds and a known one in the time of
    an argon2 hash, which tells an attacker which addresses have accounts.
    """
    with suppress(VerificationError, InvalidHashError):
        _hasher.verify(_dummy_hash(), password)
    return False


def load_user(user_id: str) -> User | None:
    """The account of a session cookie or remember-me token (``"<id>:<generation>"``).

    A cookie from before the last logout or password change names an older generation
    and loads no one; so does a cookie in the old form (a bare id).
    """
    raw_id, sep, generation = user_id.partition(":")
    if not sep or not (raw_id.isascii() and raw_id.isdecimal() and len(raw_id) <= 18):
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or generation != str(user.session_generation):
        return None
    return user


def init_auth(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
