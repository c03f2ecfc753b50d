"""Class 9: where the limits are counted. The SQLite storage (the default, for one machine
with several workers) counts fixed windows correctly, from several processes at once; with
``RATELIMIT_STORAGE_URI=redis://…`` (several hosts) two apps share one count in Redis."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from hhu_ranking.ratelimit_storage import SQLiteStorage

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _storage(tmp_path: Path) -> Any:
    from limits.storage import storage_from_string

    return storage_from_string(f"sqlite:///{tmp_path / 'limits.sqlite3'}")


def test_the_sqlite_scheme_gives_a_storage_that_counts_a_window(tmp_path):
    storage = _storage(tmp_path)
    assert isinstance(storage, SQLiteStorage)
    assert storage.check()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get("other") == 0
    assert storage.incr("k", 60, amount=5) == 8
    storage.clear("k")
    assert storage.get("k") == 0


def test_requests_one_after_another_share_one_connection_whatever_their_thread(tmp_path):
    """Under gevent every request is a greenlet (a thread to ``threading.local``): the
    counts must not open a connection, set its journal and check its table, per request."""
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    for _ in range(20):
        request = threading.Thread(target=storage.incr, args=("join", 60))
        request.start()
        request.join()
    assert storage.get("join") == 20
    assert storage.opened == 1


def test_requests_at_once_each_count_on_a_connection_of_their_own(tmp_path):
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    with storage._connection(), storage._connection():
        assert storage.opened == 2
    storage.incr("join", 60)
    assert storage.opened == 2


def test_a_window_starts_again_when_it_expired(tmp_path):
    storage = _storage(tmp_path)
    with time_machine.travel(0, tick=False) as traveller:
        traveller.move_to("2030-01-01 10:00:00")
        storage.incr("k", 60)
        storage.incr("k", 60)
        expiry = storage.get_expiry("k")
        traveller.shift(timedelta(seconds=59))
        assert storage.get("k") == 2
        assert storage.get_expiry("k") == expiry  # a hit does not move the window on
        traveller.shift(timedelta(seconds=2))
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
        assert storage.get_expiry("k") > expiry
    assert storage.reset() == 1


def test_the_strategy_refuses_over_the_limit(tmp_path):
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    limiter = FixedWindowRateLimiter(_storage(tmp_path))
    item = parse("3 per minute")
    assert [limiter.hit(item, "codes", "198.51.100.7") for _ in range(4)] == [True] * 3 + [False]
    assert not limiter.test(item, "codes", "198.51.100.7")
    assert limiter.test(item, "codes", "203.0.113.9")


def test_a_wrong_uri_fails_at_start():
    with pytest.raises(ValueError, match="sqlite:///"):
        SQLiteStorage("sqlite://")


def _hammer(path: str, rounds: int, queue: Any) -> None:
    storage = SQLiteStorage(f"sqlite:///{path}")
    queue.put([storage.incr("shared", 60) for _ in range(rounds)])


def test_two_processes_count_every_hit_once(tmp_path):
    """Two worker processes hitting one counter at once: no hit lost, none counted twice."""
    path = str(tmp_path / "limits.sqlite3")
    SQLiteStorage(f"sqlite:///{path}")  # the file and table, before the workers race
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_hammer, args=(path, 200, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    seen = [value for _ in workers for value in queue.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sorted(seen) == list(range(1, 401))
    # read as stored: the workers count on the real clock, this test's may be shifted ahead
    # (HHU_TEST_CLOCK_SHIFT_DAYS), which would see their window as long expired
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT hits FROM counter WHERE key = 'shared'").fetchone() == (400,)


def _worker(database_url: str, storage_uri: str, urls: list[str], queue: Any) -> None:
    """One gunicorn worker's share of the requests: its own process, app and connections."""
    from hhu_ranking import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage_uri,
            "LIMIT_CODE_FAILURES_PER_ADDRESS": "5 per minute",
            "JOIN_CLOSES_AFTER_HOURS": -1,
        }
    )
    client = app.test_client()
    environ = {"REMOTE_ADDR": "198.51.100.7"}
    queue.put([client.get(url, environ_base=environ).status_code for url in urls])


def test_two_worker_processes_share_the_guessing_limit(app, tmp_path, make_session):
    """Wrong codes spread over two processes (as gunicorn's workers get them) add up; with
    ``memory://`` the second would start from nothing and let the right code through."""
    code = make_session()["code"]
    storage_uri = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    plans = [
        ["/doe-mee?code=ZZZZ01", "/doe-mee?code=ZZZZ02", "/doe-mee?code=ZZZZ03"],
        ["/doe-mee?code=ZZZZ04", "/doe-mee?code=ZZZZ05", f"/j/{code}"],
    ]
    answers = []
    for urls in plans:  # one after the other: the second worker starts from the first's count
        worker = context.Process(target=_worker, args=(database_url, storage_uri, urls, queue))
        worker.start()
        answers.append(queue.get(timeout=120))
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert answers == [[404, 404, 404], [404, 404, 429]]


# --- Redis, for several hosts ---------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    from limits.storage import storage_from_string

    try:
        reachable = storage_from_string(REDIS_URL).check()
    except Exception as error:  # the driver's own connection errors
        reachable, reason = False, str(error)
    else:
        reason = "check() failed"
    if not reachable:
        message = f"Redis is not reachable at {REDIS_URL} ({reason})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: under CI the Redis test must run")
        pytest.skip(f"{message}: the several-hosts storage is not tested here")
    return REDIS_URL


def test_two_hosts_share_their_limits_through_redis(app, redis_url, make_session):
    """Two apps on one Redis, as two hosts behind a load balancer: a guesser who spreads
    wrong codes over both is refused on both."""
    from hhu_ranking import create_app
    from hhu_ranking.extensions import db

    code = make_session()["code"]
    # an address of this run only: other runs (and other checkouts) share the Redis server
    address = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{os.getpid() % 250}.7"}
    hosts = [
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "SECRET_KEY": "test-secret-key",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": redis_url,
                "LIMIT_CODE_FAILURES_PER_ADDRESS": "4 per minute",
                "LIMIT_CODE_FAILURES_OVERALL": "",
                "JOIN_CLOSES_AFTER_HOURS": -1,
            }
        )
        for _ in range(2)
    ]
    try:
        one, two = (host.test_client() for host in hosts)
        assert one.get("/doe-mee?code=ZZZZ01", environ_base=address).status_code == 404
        assert two.get("/doe-mee?code=ZZZZ02", environ_base=address).status_code == 404
        assert one.get("/doe-mee?code=ZZZZ03", environ_base=address).status_code == 404
        assert two.get("/doe-mee?code=ZZZZ04", environ_base=address).status_code == 404
        assert one.get(f"/j/{code}", environ_base=address).status_code == 429
        assert two.get(f"/j/{code}", environ_base=address).status_code == 429
    finally:
        for host in hosts:
            with host.app_context():
                db.session.remove()
                db.engine.dispose()
