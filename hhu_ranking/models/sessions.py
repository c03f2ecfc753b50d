"""Live sessions: rounds of items, the participants who join, and their ballots."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from .base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from .catalogue import CatalogueItem, Coalition, Organisation, Pillar
from .users import User


class MeetingKind(enum.StrEnum):
    WORK_SESSION = "werksessie"
    TREKKERS = "trekkersoverleg"
    NETWORK = "netwerkbijeenkomst"
    ALV = "alv"
    BOARD_BREAKFAST = "bestuursontbijt"
    DESIGN_CONFERENCE = "ontwerpconferentie"
    HEALTH_TUESDAY = "health_tuesday"
    FESTIVAL = "kennisfestival"
    TALENT_CHALLENGE = "talent_challenge"
    OTHER = "anders"


class BallotMode(enum.StrEnum):
    FULL = "full"
    TOP_K = "top_k"


class RoundState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class RankingSession(TimestampMixin, Base):
    """One meeting in which partners rank, reached by its join code."""

    __tablename__ = "ranking_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind))
    coalition_id: Mapped[int | None] = mapped_column(
        ForeignKey("coalition.id", ondelete="SET NULL")
    )
    #: six characters from an alphabet without look-alikes (see services.codes)
    join_code: Mapped[str] = mapped_column(String(6), unique=True)
    joining_locked: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("ranking_session.id", ondelete="SET NULL")
    )
    #: bumps when rounds open/close, items change or joining locks: phones poll on this.
    #: Joins and ballots never touch this row (a hall of phones would queue on it); the
    #: projector learns of them from counts and ``Ballot.seq`` (services.screen).
    state_version: Mapped[int] = mapped_column(default=1)
    #: when False (the default) the join form asks no name and the service refuses one
    ask_names: Mapped[bool] = mapped_column(default=False)
    #: the join form asks the organisation; off, a phone joins without one
    ask_organisation: Mapped[bool] = mapped_column(default=True)
    #: the join form asks the pillar ("bloedgroep"); off for a festival, whose visitors
    #: do not know the word
    ask_pillar: Mapped[bool] = mapped_column(default=True)
    #: the join page offers one tap for "inwoner" and "bezoeker" (services.participants)
    quick_roles: Mapped[bool] = mapped_column(default=False)
    #: when ``flask purge`` removed the participants' names, tokens and links (services.privacy)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: at most this many participants (None: no cap); a join beyond it is refused
    max_participants: Mapped[int | None]
    #: the organisations that may join, by name (None: anyone); a join must pick one of them
    join_roster: Mapped[list[str] | None] = mapped_column(JSON)

    coalition: Mapped[Coalition | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    rounds: Mapped[list[Round]] = relationship(
        back_populates="session", order_by="Round.position", cascade="all, delete-orphan"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class Round(TimestampMixin, Base):
    """One ballot within a session: a list of items ranked in full or top-k."""

    __tablename__ = "round"
    __table_args__ = (
        CheckConstraint("top_k IS NULL OR top_k >= 1", name="top_k_positive"),
        # at most one open round per session, whatever two facilitators click at once
        Index(
            "uq_round_one_open_per_session",
            "session_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("ranking_session.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    catalogue_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalogue_list.id", ondelete="SET NULL")
    )
    mode: Mapped[BallotMode] = mapped_column(str_enum(BallotMode), default=BallotMode.FULL)
    top_k: Mapped[int | None]
    #: when False the big screen shows only counts until the round closes
    results_live: Mapped[bool] = mapped_column(default=True)
    #: when True, exports never carry participants' names
    anonymous: Mapped[bool] = mapped_column(default=True)
    state: Mapped[RoundState] = mapped_column(str_enum(RoundState), default=RoundState.DRAFT)
    #: bumps on every change of state, settings or items (not on ballots: see ``Ballot.seq``)
    version: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the reveal of a closed round: how many places are shown, counted from the last;
    #: None shows every place at once (see ``services.reveal``). Shared by every screen
    #: and phone; changing it bumps the session's state version, not ``version``
    revealed: Mapped[int | None]
    #: "equal": each person one voice; "organisation": the ballots of one organisation share
    #: one voice (``aggregation.weighting``). Frozen into every outcome as its weighting
    weighting: Mapped[str] = mapped_column(String(20), default="equal", server_default="equal")

    session: Mapped[RankingSession] = relationship(back_populates="rounds")
    items: Mapped[list[RoundItem]] = relationship(
        back_populates="round", order_by="RoundItem.position", cascade="all, delete-orphan"
    )
    ballots: Mapped[list[Ballot]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    @property
    def ballot_length(self) -> int:
        """How many items a valid ballot ranks."""
        if self.mode is BallotMode.TOP_K and self.top_k:
            return min(self.top_k, len(self.items))
        return len(self.items)


class RoundItem(Base):
    __tablename__ = "round_item"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(300), default="")
    #: links the same principle across sessions, for its history
    catalogue_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalogue_item.id", ondelete="SET NULL")
    )

    round: Mapped[Round] = relationship(back_populates="items")
    catalogue_item: Mapped[CatalogueItem | None] = relationship()


class Participant(Base):
    """A phone that joined a session. No account: a random token in a signed cookie."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("ranking_session.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the cookie token; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    #: typed name when the organisation is not in the partner list
    organisation_other: Mapped[str | None] = mapped_column(String(200))
    pillar_id: Mapped[int | None] = mapped_column(ForeignKey("pillar.id", ondelete="SET NULL"))
    display_name: Mapped[str | None] = mapped_column(String(120))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: set for a paper ballot (or another tool's) read in from a file: the import it came from
    ballot_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("ballot_import.id", ondelete="SET NULL")
    )

    session: Mapped[RankingSession] = relationship(back_populates="participants")
    organisation: Mapped[Organisation | None] = relationship()
    pillar: Mapped[Pillar | None] = relationship()

    @property
    def organisation_label(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return self.organisation_other or ""


#: PostgreSQL's source of ``Ballot.seq`` (SQLite, with one writer at a time, takes MAX + 1)
BALLOT_SEQ = Sequence("ballot_seq", metadata=Base.metadata)


class next_ballot_seq(FunctionElement[int]):  # noqa: N801 (an SQL function, named as one)
    """The next value of the ballot change counter, on either database."""

    type = BigInteger()
    inherit_cache = True


@compiles(next_ballot_seq, "postgresql")
def _next_ballot_seq_postgresql(
    element: next_ballot_seq, compiler: SQLCompiler, **kw: object
) -> str:
    return "nextval('ballot_seq')"


@compiles(next_ballot_seq)
def _next_ballot_seq_sqlite(element: next_ballot_seq, compiler: SQLCompiler, **kw: object) -> str:
    # the statement runs under SQLite's single write lock, so MAX + 1 cannot be taken twice
    return "(SELECT COALESCE(MAX(seq), 0) + 1 FROM ballot)"


class Ballot(Base):
    """A participant's ranking in a round.

    One row per participant and round: a revision overwrites it, so the last one counts.
    """

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("round_id", "participant_id"),
        Index("ix_ballot_round_updated", "round_id", "updated_at"),
        Index("ix_ballot_round_seq", "round_id", "seq"),
        Index("ix_ballot_seq", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    #: RoundItem ids, best first (top-k ballots list only k)
    ranking: Mapped[list[int]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: how many times it was revised (1 = first submission)
    revision: Mapped[int] = mapped_column(default=1)
    #: a new, larger number on every insert and revision: the sum over a round's ballots
    #: grows with every committed change, so it versions the round's ballots without a
    #: counter row that every ballot in the hall would have to update (and queue on)
    seq: Mapped[int] = mapped_column(
        BigInteger, default=next_ballot_seq(), onupdate=next_ballot_seq()
    )

    round: Mapped[Round] = relationship(back_populates="ballots")
    participant: Mapped[Participant] = relationship()


class RoundResult(Base):
    """Cached live result of a round, computed at most once per round version.

    ``claimed_version`` lets exactly one request (on any worker or host) claim
    the computation of a new version; the others keep serving ``payload``.
    """

    __tablename__ = "round_result"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    #: the ballots' version the payload was computed for (services.results.ballots_version)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    claimed_version: Mapped[int] = mapped_column(BigInteger, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payload: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
