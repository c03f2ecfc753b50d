"""Shared fixtures: an app with a fresh database per test, on SQLite or PostgreSQL.

``TEST_DATABASE=postgresql`` runs the web tests against the local PostgreSQL
server (``TEST_POSTGRES_URL``, default ``postgresql://127.0.0.1:5432/test``).
Each xdist worker of each checkout gets a database of its own (so suites run from two
clones at once do not collide); each test starts from empty tables. Without a reachable
server those tests skip, except under ``CI=true``, where that is an error.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def _backend() -> str:
    return os.environ.get("TEST_DATABASE", "sqlite")


def _postgres_admin_url() -> str:
    return POSTGRES_URL


def _worker_database_url(worker: str) -> str:
    """Create (once) a database for this xdist worker and return its URL."""
    import psycopg

    base = POSTGRES_URL.rsplit("/", 1)[0]
    checkout = hashlib.sha1(str(Path(__file__).resolve().parent).encode()).hexdigest()[:8]
    name = f"hhu_test_{checkout}_{worker}"
    try:
        with psycopg.connect(_postgres_admin_url(), autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} under CI: {error}")
        pytest.skip(f"PostgreSQL tests skipped: no server reachable at {POSTGRES_URL} ({error})")
    return f"{base}/{name}"


def reset_postgres_schema(engine: Any) -> None:
    """An empty public schema, whatever an earlier run (of any branch) left in this database."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


TRANSLATIONS = Path(__file__).resolve().parent.parent / "hhu_ranking" / "translations"


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Compile each ``messages.po`` whose ``.mo`` is missing or older (as setup.sh does),
    so English pages work when pytest runs on its own. Written aside and renamed: xdist
    workers may compile at the same time."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(partial, mo)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str | None:
    if _backend() == "postgresql":
        return _worker_database_url(worker_id)
    return None


@pytest.fixture(scope="session")
def _postgres_schema(database_url: str | None) -> Iterator[None]:
    """On PostgreSQL, build the schema once per worker through the migrations."""
    if database_url is None:
        yield
        return
    from hhu_ranking import create_app
    from hhu_ranking.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        reset_postgres_schema(db.engine)
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield


@pytest.fixture
def app_config() -> dict[str, Any]:
    """More configuration for the ``app`` of a test module (override the fixture)."""
    return {}


@pytest.fixture
def app(
    tmp_path: Any, database_url: str | None, _postgres_schema: None, app_config: dict[str, Any]
) -> Iterator[Any]:
    from hhu_ranking import create_app
    from hhu_ranking.extensions import db

    url = database_url or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # each test its own count, not the checkout's instance/ratelimits.sqlite3
            "RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}",
            # a notice comes a few ms after its commit: tests that poll right after a change
            # would race it; tests/web/test_state_notices.py switches it on
            "POLL_NOTICES": False,
            # a test reads the result right after each ballot; tests/web/test_results_cache.py
            # checks the production interval
            "LIVE_RESULT_SECONDS": 0,
            # the builders' sessions were held days ago (tests/clock.py): joining stays open
            # unless a test asks for the closing (tests/security/test_stuffing.py)
            "JOIN_CLOSES_AFTER_HOURS": -1,
            **app_config,
        }
    )
    with app.app_context():
        if database_url is None:
            db.create_all()
        else:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        from hhu_ranking.services.catalogue import seed_catalogue

        seed_catalogue(db.session)
        db.session.commit()
    yield app
    _close(app)


def _close(app: Any) -> None:
    """Close a test's app, failing the test if it kept a pooled connection (a thread still
    running, a session never removed): dispose() would leave that one to the garbage
    collector, whose warning would then fail some later test."""
    from factories import eventually

    from hhu_ranking.extensions import db

    with app.app_context():
        db.session.remove()
        pool = db.engine.pool
        assert eventually(lambda: not pool.checkedout(), 5.0), "a pooled connection was kept"
        db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Any) -> Callable[..., Any]:
    from hhu_ranking.extensions import db
    from hhu_ranking.models import Role
    from hhu_ranking.services.users import create_user

    def make(
        email: str = "leider@hhu.test",
        password: str = "geheim-wachtwoord",
        role: Role = Role.FACILITATOR,
        name: str = "Gespreksleider",
    ) -> Any:
        with app.app_context():
            user = create_user(db.session, email, name, password, role)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def login(client: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """Log the test client in as a (new) facilitator."""

    def do_login(
        email: str = "leider@hhu.test", password: str = "geheim-wachtwoord", **kwargs: Any
    ) -> Any:
        make_user(email=email, password=password, **kwargs)
        response = client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.data
        return client

    return do_login


@pytest.fixture
def protected_app(app: Any) -> Iterator[Any]:
    """A second app on the same database, with CSRF protection switched on (as in production)."""
    from hhu_ranking import create_app

    protected = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "POLL_NOTICES": False,
            "LIVE_RESULT_SECONDS": 0,
            "JOIN_CLOSES_AFTER_HOURS": -1,
        }
    )
    yield protected
    _close(protected)


@pytest.fixture
def csrf_client(protected_app: Any, make_user: Any) -> Any:
    """A client of ``protected_app``, with a facilitator account made."""
    make_user()
    return protected_app.test_client()


@pytest.fixture
def make_session(app: Any) -> Callable[..., dict[str, Any]]:
    """``session_with_round`` (tests/factories.py) on this test's app: by default a session with
    one draft round of three items; returns ids."""
    from factories import session_with_round

    return functools.partial(session_with_round, app)


def _recorded(app: Any, verbs: frozenset[str] | None) -> Iterator[list[str]]:
    """The statements sent to the database while the list is being recorded (``verbs``:
    only those beginning with one of them)."""
    from sqlalchemy import event

    from hhu_ranking.extensions import db

    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if verbs is None or statement.lstrip().split(" ", 1)[0].upper() in verbs:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def writes(app: Any) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE sent to the database while the list is being recorded."""
    yield from _recorded(app, frozenset({"INSERT", "UPDATE", "DELETE"}))


@pytest.fixture
def statements(app: Any) -> Iterator[list[str]]:
    """Every statement sent to the database while the list is being recorded."""
    yield from _recorded(app, None)
