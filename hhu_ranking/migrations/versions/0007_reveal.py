"""The reveal: how many places of a closed round the screens and phones show

``round.revealed`` counts the places shown from the last one up; NULL shows
them all at once (every round closed before this revision).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: no table copy on SQLite
    op.add_column('round', sa.Column('revealed', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('revealed')
