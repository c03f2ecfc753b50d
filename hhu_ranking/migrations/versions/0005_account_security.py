"""Accounts: a session generation that logging out raises, failed logins counted; co-facilitators

``user_account.session_generation`` is part of every session cookie and
remember-me token; logging out and a new password raise it, which ends every
copy of them. ``login_failure`` counts failed logins per account and per
address (keyed digests only) in the database, so the limits hold across
gunicorn workers and hosts. ``session_facilitator`` lists who besides its
creator may run a session. Hand-written to match hhu_ranking.models.users and
hhu_ranking.models.access.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )

    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_account_failed_at', ['account', 'failed_at'], unique=False)
        batch_op.create_index('ix_login_failure_address_failed_at', ['address', 'failed_at'], unique=False)

    op.create_table('session_facilitator',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['ranking_session.id'], name=op.f('fk_session_facilitator_session_id_ranking_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_session_facilitator_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_session_facilitator_added_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_session_facilitator'))
    )
    with op.batch_alter_table('session_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_facilitator_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('session_facilitator')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_address_failed_at')
        batch_op.drop_index('ix_login_failure_account_failed_at')
    op.drop_table('login_failure')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
