"""Against ballot stuffing: a cap on participants and a roster of organisations per session

``ranking_session`` gets ``max_participants`` (an integer, NULL: no cap) and
``join_roster`` (a JSON list of organisation names, NULL: anyone may join). Plain
nullable ``ADD COLUMN`` on both databases: no table copy on SQLite.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ranking_session', sa.Column('max_participants', sa.Integer(), nullable=True))
    op.add_column('ranking_session', sa.Column('join_roster', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ranking_session', schema=None) as batch_op:
        batch_op.drop_column('join_roster')
        batch_op.drop_column('max_participants')
