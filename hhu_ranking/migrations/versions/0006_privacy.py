"""Privacy: names only on request, purge after the retention period, withdrawn ballots

Sessions get ``ask_names`` (off: the join form asks no name) and ``purged_at``
(set by ``flask purge``). An outcome version frozen because a ballot was
withdrawn on request lists the withdrawn participants in ``withdrawn``, and
``ballot_withdrawal`` registers every withdrawal per round (also from an open
round), for verification. The kerngroep's privacy statement lives in
``site_text``.

The outcome column is added with a plain ``ADD COLUMN`` (no table copy on
SQLite), so the trigger that keeps outcomes immutable stays in place.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_GUARD = (
    "CREATE TRIGGER outcome_no_update BEFORE UPDATE ON outcome "
    "BEGIN SELECT RAISE(ABORT, 'outcomes are immutable'); END"
)


def upgrade() -> None:
    with op.batch_alter_table('ranking_session', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('ask_names', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        'outcome', sa.Column('withdrawn', sa.Text(), nullable=False, server_default='[]')
    )
    op.create_table('ballot_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], name=op.f('fk_ballot_withdrawal_outcome_id_outcome'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_ballot_withdrawal_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_withdrawal'))
    )
    with op.batch_alter_table('ballot_withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_withdrawal_round_id'), ['round_id'], unique=False)
    op.create_table('site_text',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_site_text_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_text'))
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table('site_text')
    with op.batch_alter_table('ballot_withdrawal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_withdrawal_round_id'))
    op.drop_table('ballot_withdrawal')
    if dialect == 'sqlite':
        # the batch copy of the table drops its trigger: put it back
        with op.batch_alter_table('outcome', schema=None) as batch_op:
            batch_op.drop_column('withdrawn')
        op.execute('DROP TRIGGER IF EXISTS outcome_no_update')
        op.execute(SQLITE_GUARD)
    else:
        op.drop_column('outcome', 'withdrawn')
    with op.batch_alter_table('ranking_session', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('ask_names')
