"""Join questions per session: organisation, pillar, and one tap for residents and visitors

``ranking_session`` gets ``ask_organisation`` and ``ask_pillar`` (on: what every
session asked so far) and ``quick_roles`` (off). Plain ``ADD COLUMN`` with a
constant default on both databases: no table copy on SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        'ranking_session',
        sa.Column('ask_organisation', sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        'ranking_session',
        sa.Column('ask_pillar', sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        'ranking_session',
        sa.Column('quick_roles', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table('ranking_session', schema=None) as batch_op:
        batch_op.drop_column('quick_roles')
        batch_op.drop_column('ask_pillar')
        batch_op.drop_column('ask_organisation')
