"""Migrations build exactly the schema the models describe, on the configured database."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import reset_postgres_schema
from flask_migrate import downgrade, upgrade

from hhu_ranking import create_app
from hhu_ranking.extensions import db


@pytest.fixture
def migrated_app(tmp_path, database_url):
    url = database_url or f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
    with app.app_context():
        if database_url is not None:
            reset_postgres_schema(db.engine)
        upgrade()
    yield app
    with app.app_context():
        if database_url is not None:
            # leave the worker database as the other tests expect it
            reset_postgres_schema(db.engine)
            upgrade()
        db.engine.dispose()


def test_upgrade_matches_the_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_and_up_again(migrated_app):
    with migrated_app.app_context():
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        with db.engine.connect() as conn:
            assert "ballot" in db.inspect(conn).get_table_names()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    if os.environ.get("TEST_DATABASE") == "postgresql":
        pytest.skip("SQLite pragmas only")
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "SECRET_KEY": "x"}
    )
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    with app.app_context():
        db.engine.dispose()
