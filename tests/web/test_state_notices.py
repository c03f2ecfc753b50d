"""On PostgreSQL a phone's unchanged poll is answered from the state versions the
database announced (``hhu_ranking.state_notices``), never from a stale one.

What a phone would notice if this went wrong: a round that opened or closed but
stays "nothing new" (a 304) on its screen. So each test changes the state behind
the memory's back (a service, a deletion, a killed connection) and checks that the
next poll with the old tag gets the new answer, and that an unchanged poll costs no
database connection at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from factories import close_round, eventually, join, open_round
from sqlalchemy import delete, event, text

from hhu_ranking import create_app
from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession
from hhu_ranking.state_notices import GONE, LISTENER_NAME, StateVersions, conninfo_for

HX = {"HX-Request": "true"}


# -- the memory's rules, without a database ------------------------------------------------


def _listening_memory() -> StateVersions:
    memory = StateVersions("unused")
    memory._pid = os.getpid()  # as if its thread had started in this process
    memory._forget(listening=True)
    return memory


def test_a_read_made_before_a_deletion_is_not_kept():
    memory = _listening_memory()
    _, generation = memory.lookup("ABC123")
    memory._heard(f"ABC123 {GONE}")  # the session was deleted while the poll read it
    memory.learned("ABC123", 4, generation)
    assert memory.lookup("ABC123")[0] is None


def test_a_late_read_never_overwrites_a_newer_notice():
    memory = _listening_memory()
    _, generation = memory.lookup("ABC123")
    memory._heard("ABC123 7")
    memory.learned("ABC123", 6, generation)
    assert memory.lookup("ABC123")[0] == 7


def test_nothing_is_trusted_while_not_listening():
    memory = _listening_memory()
    memory._heard("ABC123 7")
    memory._forget(listening=False)
    assert memory.lookup("ABC123") == (None, None)
    memory.learned("ABC123", 7, None)
    memory._heard("ABC123 8")
    assert memory.lookup("ABC123") == (None, None)


# -- against the real PostgreSQL -----------------------------------------------------------


@pytest.fixture
def notices(app: Any, database_url: str | None) -> Iterator[StateVersions]:
    if database_url is None:
        pytest.skip("state notices are PostgreSQL's (SQLite polls read the file in-process)")
    with app.app_context():
        memory = StateVersions(conninfo_for(db.engine.url), heartbeat_seconds=0.2)
    app.wsgi_app.notices = memory
    memory.lookup("")  # starts listening
    assert eventually(lambda: memory.listening), "the listening connection never came up"
    yield memory
    memory.stop()


@pytest.fixture
def checkouts(app: Any) -> Iterator[list[int]]:
    """Connections taken from the app's pool, counted from the moment the test asks."""
    seen: list[int] = []
    with app.app_context():
        engine = db.engine

    def count(*_: Any) -> None:
        seen.append(1)

    event.listen(engine, "checkout", count)
    yield seen
    event.remove(engine, "checkout", count)


def _phone(app: Any, make_session: Any) -> tuple[dict[str, Any], Any, str]:
    ids = make_session()
    open_round(app, ids["round_id"])
    phone = app.test_client()
    join(phone, app, ids["code"])
    tag = phone.get(f"/j/{ids['code']}/status?seen=x", headers=HX).headers["ETag"]
    return ids, phone, tag


def _poll(phone: Any, ids: dict[str, Any], tag: str) -> Any:
    return phone.get(f"/j/{ids['code']}/status?seen=x", headers={**HX, "If-None-Match": tag})


def test_an_unchanged_poll_costs_no_query_once_the_version_is_known(
    app, make_session, notices, checkouts
):
    ids, phone, tag = _phone(app, make_session)
    assert _poll(phone, ids, tag).status_code == 304  # read once, then remembered
    checkouts.clear()
    answers = [_poll(phone, ids, tag).status_code for _ in range(20)]
    assert answers == [304] * 20
    assert checkouts == []


def test_a_round_that_closes_reaches_the_phone_whose_version_was_remembered(
    app, make_session, notices
):
    ids, phone, tag = _phone(app, make_session)
    assert _poll(phone, ids, tag).status_code == 304
    close_round(app, ids["round_id"])
    with app.app_context():
        current = db.session.get(RankingSession, ids["session_id"]).state_version
    assert eventually(lambda: notices.lookup(ids["code"])[0] == current)
    answer = _poll(phone, ids, tag)
    assert answer.status_code == 200
    assert answer.headers["ETag"].startswith(f'"p{current}.')
    assert "gesloten" in answer.get_data(as_text=True)


def test_a_deleted_session_is_never_answered_from_memory(app, make_session, notices):
    ids, phone, tag = _phone(app, make_session)
    assert _poll(phone, ids, tag).status_code == 304
    with app.app_context():
        db.session.execute(delete(RankingSession).where(RankingSession.id == ids["session_id"]))
        db.session.commit()
    assert eventually(lambda: notices.lookup(ids["code"])[0] is None)
    answer = _poll(phone, ids, tag)
    # not "nothing new": the phone is sent back to the join page, as for any unknown code
    assert answer.status_code == 204 and answer.headers["HX-Redirect"].endswith(ids["code"])


def test_a_lost_listening_connection_forgets_and_listens_again(app, make_session, notices):
    ids, phone, tag = _phone(app, make_session)
    assert _poll(phone, ids, tag).status_code == 304
    _, before = notices.lookup(ids["code"])
    with app.app_context():
        db.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": LISTENER_NAME},
        )
        db.session.commit()

    def listening_afresh() -> bool:
        _, generation = notices.lookup(ids["code"])
        return generation is not None and generation != before

    assert eventually(listening_afresh)
    assert notices.lookup(ids["code"])[0] is None  # what it knew before is forgotten
    close_round(app, ids["round_id"])
    assert _poll(phone, ids, tag).status_code == 200


def test_the_app_listens_on_postgresql_only_and_when_asked(database_url, tmp_path):
    url = database_url or f"sqlite:///{tmp_path / 'x.db'}"
    for asked in (True, False):
        app = create_app({"TESTING": True, "DATABASE_URL": url, "POLL_NOTICES": asked})
        listens = app.wsgi_app.notices is not None
        assert listens == (asked and database_url is not None)
        with app.app_context():
            db.engine.dispose()


def test_behind_pgbouncer_it_listens_at_postgresql_itself(database_url):
    if database_url is None:
        pytest.skip("state notices are PostgreSQL's")
    direct = database_url.replace("127.0.0.1", "localhost")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "POLL_NOTICES_URL": direct})
    assert "localhost" in app.wsgi_app.notices._conninfo
    with app.app_context():
        db.engine.dispose()
