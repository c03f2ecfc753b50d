"""Frozen outcomes of closed rounds: written once, never updated.

An outcome is the permanent record of what a round decided. It keeps its own
copy of the ballots (as canonical JSON) and of the computed result, so it can
be explained and re-checked long after the round was re-opened or its session
changed. See ``services.outcomes`` for the canonical form and the checks.

Immutability is enforced three times over: the service has no update path,
the ORM refuses to flush a change to an ``Outcome`` row, and the database
itself rejects ``UPDATE`` on the table (a trigger on SQLite and PostgreSQL;
the migration creates the same triggers). Deleting stays possible, so that
removing a whole session still cascades.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import DDL, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .sessions import Round


class OutcomeImmutableError(RuntimeError):
    """Raised when code tries to change a stored outcome."""


class Outcome(Base):
    """The frozen result of one close of a round (version 1, 2, ... per round)."""

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("round_id", "version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    #: 1 for the first close of the round, 2 after it was re-opened and closed again, ...
    version_number: Mapped[int]
    #: when the round closed and this outcome was frozen (UTC)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: how many ballots were counted
    ballot_count: Mapped[int]
    #: how ballots were weighted; "equal" = every ballot counts once
    weighting: Mapped[str] = mapped_column(String(40))
    #: the method whose ranking is "the" rank (agenda provenance, history)
    primary_method: Mapped[str] = mapped_column(String(24))
    #: hhu_ranking.aggregation.AGGREGATION_VERSION at the time of freezing
    aggregation_version: Mapped[str] = mapped_column(String(40))
    #: SHA-256 (hex) of ``canonical_ballots`` encoded as UTF-8
    ballots_digest: Mapped[str] = mapped_column(String(64))
    #: the ballots that were counted, in canonical JSON (see services.outcomes)
    canonical_ballots: Mapped[str] = mapped_column(Text)
    #: JSON object participant id -> ballot revision at freezing; lets verification
    #: compare older outcomes with ballots that were not revised since
    ballot_revisions: Mapped[str] = mapped_column(Text)
    #: the computed result as canonical JSON (items, methods, agreement)
    result: Mapped[str] = mapped_column(Text)
    #: JSON list of participant ids whose ballots were withdrawn on request (services.privacy),
    #: which is why this version was frozen; "[]" for an ordinary close. Earlier versions
    #: still count those ballots, and verification expects them gone from the ballot table.
    withdrawn: Mapped[str] = mapped_column(Text, default="[]")
    #: whether the round was anonymous when this was frozen: exports show names only when
    #: False. None for outcomes frozen before it was kept (``is_anonymous`` then asks the round)
    anonymous: Mapped[bool | None]

    round: Mapped[Round] = relationship()

    @property
    def is_anonymous(self) -> bool:
        """True when exports of this outcome must carry no participant names."""
        return self.round.anonymous if self.anonymous is None else self.anonymous

    @cached_property
    def data(self) -> dict[str, Any]:
        """The parsed ``result``."""
        parsed: dict[str, Any] = json.loads(self.result)
        return parsed

    @cached_property
    def withdrawn_ids(self) -> list[int]:
        """The parsed ``withdrawn``: participants whose ballots left the round on request."""
        return [int(p) for p in json.loads(self.withdrawn or "[]")]

    @cached_property
    def ballots(self) -> list[dict[str, Any]]:
        """The parsed ``canonical_ballots``."""
        parsed: list[dict[str, Any]] = json.loads(self.canonical_ballots)
        return parsed


class BallotWithdrawal(Base):
    """A ballot taken out of a round on the voter's request (the right to erasure).

    The participant is gone, so ``participant_id`` is a plain number: the one the
    earlier outcomes' canonical ballots still carry. Verification expects those
    ballots to be missing from the ballot table (``services.verification``).
    """

    __tablename__ = "ballot_withdrawal"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    #: the deleted participant's former id (no foreign key: the row is gone)
    participant_id: Mapped[int]
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the outcome version frozen without the ballot (None: the round was open, and its
    #: next close freezes one)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id", ondelete="CASCADE"))


@event.listens_for(Outcome, "before_update")
def _refuse_update(_mapper: Mapper[Any], _connection: Connection, target: Outcome) -> None:
    raise OutcomeImmutableError(f"outcome {target.id} is frozen and cannot be changed")


#: the statements that make the database refuse UPDATE on outcome rows; the
#: migration 0002 runs the same ones
SQLITE_GUARD = (
    "CREATE TRIGGER outcome_no_update BEFORE UPDATE ON outcome "
    "BEGIN SELECT RAISE(ABORT, 'outcomes are immutable'); END"
)
POSTGRES_GUARD_FUNCTION = (
    "CREATE OR REPLACE FUNCTION outcome_refuse_update() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'outcomes are immutable'; END; $$ LANGUAGE plpgsql"
)
POSTGRES_GUARD = (
    "CREATE TRIGGER outcome_no_update BEFORE UPDATE ON outcome "
    "FOR EACH ROW EXECUTE FUNCTION outcome_refuse_update()"
)

# create_all (tests on SQLite, fresh databases) gets the guard too
event.listen(Outcome.__table__, "after_create", DDL(SQLITE_GUARD).execute_if(dialect="sqlite"))
event.listen(
    Outcome.__table__, "after_create", DDL(POSTGRES_GUARD_FUNCTION).execute_if(dialect="postgresql")
)
event.listen(
    Outcome.__table__, "after_create", DDL(POSTGRES_GUARD).execute_if(dialect="postgresql")
)
