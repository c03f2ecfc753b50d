"""Ballots read in from a file (paper ballots, another tool's results), kept traceable.

Every imported ballot belongs to a participant of its own whose
``ballot_import_id`` points here, so exports and the outcome can say which
ballots came from which file, who read it in, and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class BallotImport(Base):
    """One file of ballots read into an open round."""

    __tablename__ = "ballot_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: the user's name at the time, kept when the account goes
    user_name: Mapped[str] = mapped_column(String(120))
    file_name: Mapped[str] = mapped_column(String(255))
    #: "csv" or the PrefLib type read ("soc", "soi", "toc", "toi")
    file_format: Mapped[str] = mapped_column(String(10))
    #: SHA-256 (hex) of the uploaded bytes
    file_sha256: Mapped[str] = mapped_column(String(64))
    ballot_count: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
