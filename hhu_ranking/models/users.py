"""Accounts for facilitators and the kerngroep. Partners vote without an account."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TimestampMixin, UTCDateTime, str_enum


class Role(enum.StrEnum):
    FACILITATOR = "facilitator"
    #: the kerngroep may also adopt outcomes into the agenda and export
    KERNGROEP = "kerngroep"
    ADMIN = "admin"


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: argon2id hash (argon2-cffi)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.FACILITATOR)
    active: Mapped[bool] = mapped_column(default=True)
    #: part of every session cookie and remember-me token of this account; raised by
    #: logging out and by a new password, which ends every copy of them everywhere
    session_generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the id and the current generation."""
        return f"{self.id}:{self.session_generation}"

    @property
    def can_manage_agenda(self) -> bool:
        return self.role in (Role.KERNGROEP, Role.ADMIN)


class LoginFailure(Base):
    """A failed login, counted per account and per address in the database.

    The database is shared by every worker and host, so the limits hold across them.
    Neither the e-mail address nor the network address is stored: only keyed digests,
    enough to count, and rows older than the window are deleted as new ones come.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_account_failed_at", "account", "failed_at"),
        Index("ix_login_failure_address_failed_at", "address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA-256 (hex) of the e-mail address tried, known or not
    account: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA-256 (hex) of the client's address
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
