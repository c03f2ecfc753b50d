"""The audit log, and the anonymity frozen into each outcome

``audit_event`` records who did what and when (logins, round and session
changes, imports, exports, agenda and account changes). It is append-only: a
trigger refuses UPDATE and DELETE on it, on SQLite and PostgreSQL alike
(the same statements as hhu_ranking.models.audit). Its subject ids are plain
numbers, no foreign keys: an event outlives what it names.

``outcome.anonymous`` keeps whether the round was anonymous when the outcome
was frozen; exports follow it. NULL for outcomes frozen before this revision
(exports then follow the round, whose anonymity is frozen once it has ballots).
A plain ADD COLUMN: no table copy, so outcome's own guard stays.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa

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


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_email', sa.String(length=254), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('agenda_entry_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'], unique=False)
    op.create_index('ix_audit_event_action_at', 'audit_event', ['action', 'at'], unique=False)
    op.create_index('ix_audit_event_session_id', 'audit_event', ['session_id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for guard in SQLITE_GUARDS:
            op.execute(guard)
    elif dialect == 'postgresql':
        op.execute(POSTGRES_GUARD_FUNCTION)
        op.execute(POSTGRES_GUARD)
    op.add_column('outcome', sa.Column('anonymous', sa.Boolean(), nullable=True))


def downgrade() -> None:
    # not in batch mode: a table copy on SQLite would lose outcome's UPDATE guard
    op.drop_column('outcome', 'anonymous')
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event')
        op.execute('DROP FUNCTION IF EXISTS audit_event_refuse_change()')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_delete')
    op.drop_index('ix_audit_event_session_id', table_name='audit_event')
    op.drop_index('ix_audit_event_action_at', table_name='audit_event')
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.drop_table('audit_event')
