"""The reveal, and each organisation one voice

``round.revealed`` counts the places of a closed round the screens and phones
show, from the last one up; NULL shows them all at once (every round closed
before this revision). ``round.weighting`` is "equal" (each person one voice,
as every earlier round) or "organisation" (an organisation's ballots share one
voice).

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
    op.add_column(
        'round',
        sa.Column('weighting', sa.String(length=20), nullable=False, server_default='equal'),
    )


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('weighting')
        batch_op.drop_column('revealed')
