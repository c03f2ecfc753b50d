"""Who may run a session besides its creator: the co-facilitators the creator adds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class SessionFacilitator(Base):
    """A co-facilitator of a session: may do everything its creator may."""

    __tablename__ = "session_facilitator"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("ranking_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: who added them (the creator, another co-facilitator or an admin)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
