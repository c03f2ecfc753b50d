"""The audit log: who did what, when. Rows are only ever added.

The app has no code that changes or removes an event, and the database itself
refuses ``UPDATE`` and ``DELETE`` on the table (a trigger on SQLite and
PostgreSQL; migration 0011 creates the same ones). The subject ids are plain
numbers, not foreign keys: an event outlives the round, session or account it
names, and a cascade would be a DELETE the trigger refuses.

No network addresses and nothing of participants (names, tokens) are kept here,
so the privacy purge (``services.privacy``) has nothing to remove from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One thing someone did (or tried): a login, a round opened, a file read in, ..."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_action_at", "action", "at"),
        Index("ix_audit_event_session_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when it happened (UTC)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the account that did it (None: nobody logged in, e.g. a failed login of an unknown
    #: e-mail address); a plain number, so the event stays when the account goes
    actor_id: Mapped[int | None]
    #: the account's e-mail address at the time
    actor_email: Mapped[str | None] = mapped_column(String(254))
    #: what was done: a key of ``services.audit.ACTIONS``
    action: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[int | None]
    round_id: Mapped[int | None]
    agenda_entry_id: Mapped[int | None]
    #: the account an account change is about
    user_id: Mapped[int | None]
    #: a short JSON object with the particulars (a title, a file name, a count)
    detail: Mapped[str] = mapped_column(Text, default="{}")


#: the statements that make the database refuse UPDATE and DELETE on audit events; the
#: migration 0011 runs the same ones
SQLITE_GUARDS = tuple(
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
)
POSTGRES_GUARD_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql"
)
POSTGRES_GUARD = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
)

# create_all (tests on SQLite, fresh databases) gets the guards too
for _guard in SQLITE_GUARDS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_guard).execute_if(dialect="sqlite"))
event.listen(
    AuditEvent.__table__,
    "after_create",
    DDL(POSTGRES_GUARD_FUNCTION).execute_if(dialect="postgresql"),
)
event.listen(
    AuditEvent.__table__, "after_create", DDL(POSTGRES_GUARD).execute_if(dialect="postgresql")
)
