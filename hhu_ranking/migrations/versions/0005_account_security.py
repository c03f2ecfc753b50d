"""Accounts: a session generation that logging out raises, failed logins counted

``user_account.session_generation`` is part of every session cookie and
remember-me token; logging out and a new password raise it, which ends every
copy of them. ``login_failure`` counts failed logins per account and per
address (keyed digests only) in the database, so the limits hold across
gunicorn workers and hosts. Hand-written to match hhu_ranking.models.users.

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


def downgrade() -> None:
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_address_failed_at')
        batch_op.drop_index('ix_login_failure_account_failed_at')
    op.drop_table('login_failure')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
