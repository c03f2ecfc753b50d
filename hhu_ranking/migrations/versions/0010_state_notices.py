"""PostgreSQL announces every change of a session's state version

A trigger on ``ranking_session`` sends ``NOTIFY hhu_state`` with the join code
and the new ``state_version`` when it changes, ``<code> -`` when a session is
deleted or changes its code, and ``*`` on TRUNCATE; each server process listens
and answers unchanged phone polls without a query (``hhu_ranking.state_notices``).
Nothing on SQLite, whose polls are a cheap in-process read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:00:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION ranking_session_state_notice() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('hhu_state', '*');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' OR OLD.join_code IS DISTINCT FROM NEW.join_code THEN
        PERFORM pg_notify('hhu_state', OLD.join_code || ' -');
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM pg_notify('hhu_state', NEW.join_code || ' ' || NEW.state_version);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER ranking_session_state_notice "
        "AFTER UPDATE OF state_version, join_code OR DELETE ON ranking_session "
        "FOR EACH ROW EXECUTE FUNCTION ranking_session_state_notice()"
    )
    op.execute(
        "CREATE TRIGGER ranking_session_state_notice_truncate "
        "AFTER TRUNCATE ON ranking_session "
        "FOR EACH STATEMENT EXECUTE FUNCTION ranking_session_state_notice()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS ranking_session_state_notice_truncate ON ranking_session")
    op.execute("DROP TRIGGER IF EXISTS ranking_session_state_notice ON ranking_session")
    op.execute("DROP FUNCTION IF EXISTS ranking_session_state_notice()")
