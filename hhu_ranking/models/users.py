"""Accounts for facilitators and the kerngroep. Partners vote without an account."""

from __future__ import annotations

import enum

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TimestampMixin, str_enum


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

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def can_manage_agenda(self) -> bool:
        return self.role in (Role.KERNGROEP, Role.ADMIN)
