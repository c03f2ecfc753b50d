"""Tokens for the read-only JSON API (``/api/v1``), for the kerngroep's own tools."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, UTCDateTime
from .users import User


class ApiToken(TimestampMixin, Base):
    """A bearer token that reads the API as its user. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: what the token is for ("Power BI kerngroep"), shown when listing tokens
    name: Mapped[str] = mapped_column(String(120), default="")
    #: SHA-256 (hex) of the token; the token itself is printed once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first request made with it on the (UTC) day it was last used; written once a day
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: set when the token is withdrawn; a revoked token never authenticates again
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
