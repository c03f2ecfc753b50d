"""The coalition agenda: outcomes the kerngroep adopted, in priority order, with a change log.

An entry copies where it came from (session, round, date, rank, ballots,
agreement) at the moment it is adopted, so its provenance stays true when the
round is re-opened, a later outcome differs, or the session is removed. The
foreign keys to the outcome and the round item are links for navigation only
and become NULL when their rows go.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from .catalogue import CatalogueItem, Coalition, Phase
from .outcomes import Outcome
from .sessions import RoundItem
from .users import User


class AgendaStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class AgendaEntry(TimestampMixin, Base):
    """One item on a coalition's agenda."""

    __tablename__ = "agenda_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    coalition_id: Mapped[int] = mapped_column(ForeignKey("coalition.id"), index=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("phase.id"))
    year: Mapped[int]
    #: priority within the coalition, 0 = first
    position: Mapped[int] = mapped_column(default=0)
    #: the item's title and explanation as they were ranked
    title: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(300), default="")
    #: the trekker who takes it forward (free text: not everyone has an account)
    owner: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[AgendaStatus] = mapped_column(
        str_enum(AgendaStatus), default=AgendaStatus.PROPOSED
    )
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    # -- provenance, copied when adopted ------------------------------------------------
    #: the session's title and date, the round's title
    source_session_title: Mapped[str] = mapped_column(String(200))
    source_held_on: Mapped[date] = mapped_column(Date)
    source_round_title: Mapped[str] = mapped_column(String(200))
    #: which outcome version of that round
    source_outcome_version: Mapped[int]
    #: the item's place (1 = best) under ``source_method``, out of ``source_item_count``
    source_rank: Mapped[int]
    source_item_count: Mapped[int]
    source_method: Mapped[str] = mapped_column(String(24))
    source_ballot_count: Mapped[int]
    #: Kendall's W of the round (None when undefined, e.g. a single ballot)
    source_kendall_w: Mapped[float | None] = mapped_column(Float)
    #: links for navigation; NULL once the row they point at is gone
    outcome_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcome.id", ondelete="SET NULL"), index=True
    )
    round_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("round_item.id", ondelete="SET NULL")
    )
    catalogue_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalogue_item.id", ondelete="SET NULL")
    )

    coalition: Mapped[Coalition] = relationship()
    phase: Mapped[Phase] = relationship()
    created_by: Mapped[User | None] = relationship()
    outcome: Mapped[Outcome | None] = relationship()
    round_item: Mapped[RoundItem | None] = relationship()
    catalogue_item: Mapped[CatalogueItem | None] = relationship()
    changes: Mapped[list[AgendaChange]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        order_by=lambda: (AgendaChange.changed_at.desc(), AgendaChange.id.desc()),
    )


class AgendaChange(Base):
    """Who changed what on an agenda entry, and when. Written by services.agenda only."""

    __tablename__ = "agenda_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_entry.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: the user's name at the time, kept when the account goes
    user_name: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "created", "position", "status", "owner", "note", "phase", "year", "coalition"
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[AgendaEntry] = relationship(back_populates="changes")
    user: Mapped[User | None] = relationship()
