"""Ballots versioned by seq, no shared counter row; one open round per session

Every ballot and join used to update the session row (``activity_version``)
and every ballot the round row (``version``): in a hall of phones each one
queued behind the others on those rows. Ballots now carry ``seq``, a new and
larger number on every insert and revision (PostgreSQL's ``ballot_seq``; MAX + 1
under SQLite's single writer), and the screens version a round's ballots by
their count and seq sum. The result cache's versions become 64-bit. The
database itself now refuses a second open round in a session.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(sa.schema.CreateSequence(sa.Sequence('ballot_seq')))
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
    op.execute('UPDATE ballot SET seq = id')
    if dialect == 'postgresql':
        op.execute("SELECT setval('ballot_seq', COALESCE((SELECT MAX(seq) FROM ballot), 0) + 1, false)")
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index('ix_ballot_round_seq', ['round_id', 'seq'], unique=False)
        batch_op.create_index('ix_ballot_seq', ['seq'], unique=False)

    with op.batch_alter_table('round_result', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), type_=sa.BigInteger())
        batch_op.alter_column('claimed_version', existing_type=sa.Integer(), type_=sa.BigInteger())
    # the cached results were keyed on the old round versions: compute them afresh
    op.execute("UPDATE round_result SET version = 0, claimed_version = 0, payload = ''")

    with op.batch_alter_table('ranking_session', schema=None) as batch_op:
        batch_op.drop_column('activity_version')

    op.create_index(
        'uq_round_one_open_per_session',
        'round',
        ['session_id'],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index('uq_round_one_open_per_session', table_name='round')
    with op.batch_alter_table('ranking_session', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('activity_version', sa.Integer(), nullable=False, server_default='1')
        )
    with op.batch_alter_table('round_result', schema=None) as batch_op:
        batch_op.alter_column('claimed_version', existing_type=sa.BigInteger(), type_=sa.Integer())
        batch_op.alter_column('version', existing_type=sa.BigInteger(), type_=sa.Integer())
    op.execute("UPDATE round_result SET version = 0, claimed_version = 0, payload = ''")
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_seq')
        batch_op.drop_index('ix_ballot_round_seq')
        batch_op.drop_column('seq')
    if dialect == 'postgresql':
        op.execute(sa.schema.DropSequence(sa.Sequence('ballot_seq')))
