"""How the README serves the app (``gunicorn.conf.py``): gevent's workers by default, so a
hall's held phone polls are greenlets, with the requests that work still a few at a time;
gthread, with a thread for each held poll, when asked for."""

from __future__ import annotations

import multiprocessing
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hhu_ranking.config import long_poll_seconds, long_poll_waiters, worker_processes

ROOT = Path(__file__).resolve().parents[2]


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in (
        "WORKER_CLASS",
        "LONG_POLL_SECONDS",
        "LONG_POLL_WAITERS",
        "GUNICORN_THREADS",
        "WEB_CONCURRENCY",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_by_default_phones_keep_a_poll_waiting_in_a_greenlet(monkeypatch):
    settings = _settings(monkeypatch)
    assert settings["worker_class"] == "gevent"
    assert long_poll_seconds({}) > 0
    # a worker holds a whole hall's polls, with room for the requests beside them
    assert long_poll_waiters({}) == 5000
    assert settings["worker_connections"] >= 2 * 5000
    # gevent has no threads to give: the work slots are the app's (GUNICORN_THREADS)
    assert settings["threads"] == 8


def test_gthread_gives_each_held_poll_a_thread(monkeypatch):
    settings = _settings(monkeypatch, WORKER_CLASS="gthread", GUNICORN_THREADS="6")
    assert settings["worker_class"] == "hhu_ranking.gunicorn_worker.SlotThreadWorker"
    # a thread each: fewer held polls than a greenlet worker's
    assert settings["threads"] == 6 + 1000
    settings = _settings(monkeypatch, WORKER_CLASS="gthread", LONG_POLL_SECONDS="0")
    assert settings["threads"] == 8


def test_gevent_runs_a_worker_per_core_at_least_two_and_gthread_two_per_core(monkeypatch):
    cores = multiprocessing.cpu_count()
    assert _settings(monkeypatch)["workers"] == max(2, cores)
    assert _settings(monkeypatch, WORKER_CLASS="gthread")["workers"] == min(4, 2 * cores)
    assert _settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3
    assert worker_processes({}, 8) == 8
    # one core still gets two: a worker that dies leaves one answering
    assert worker_processes({}, 1) == 2
    assert worker_processes({"WORKER_CLASS": "gthread"}, 8) == 4
    assert worker_processes({"WORKER_CLASS": "gthread"}, 1) == 2


def test_held_polls_per_worker_follow_the_worker_class_unless_set():
    assert long_poll_waiters({"WORKER_CLASS": "gthread"}) == 1000
    assert long_poll_waiters({"LONG_POLL_WAITERS": "300"}) == 300
    assert long_poll_waiters({"LONG_POLL_SECONDS": "0"}) == 0


def test_an_unknown_worker_class_is_refused_at_start(monkeypatch):
    with pytest.raises(ValueError, match="WORKER_CLASS must be one of gevent, gthread"):
        _settings(monkeypatch, WORKER_CLASS="eventlet")


GATED = """
import sys
if sys.argv[1] == "gevent":
    from gevent import monkey
    monkey.patch_all()
from hhu_ranking import create_app
app = create_app({
    "DATABASE_URL": "sqlite:///" + sys.argv[2],
    "SECRET_KEY": "k" * 40,
    "RATELIMIT_STORAGE_URI": "memory://",
    "LONG_POLL_SECONDS": 0,
    "WORK_SLOTS": 3,
})
slots = app.wsgi_app._slots
print("gated" if slots is not None else "open")
"""


@pytest.mark.parametrize(("serving", "expected"), [("gevent", "gated"), ("threads", "open")])
def test_without_long_polls_greenlets_still_work_a_few_at_a_time(tmp_path, serving, expected):
    """gunicorn's threads are the limit on working requests; gevent's greenlets are none, so
    there the app's work slots stay, also when phones are polled instead of held."""
    run = subprocess.run(
        [sys.executable, "-c", GATED, serving, str(tmp_path / "app.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == expected


COMPUTING = """
import sys
from gevent import monkey
monkey.patch_all()
import time
import gevent
from flask import Flask, current_app
from hhu_ranking.greenlets import off_the_loop

def compute():
    # as an exact Kemeny or a bootstrap would, without a pause; reads the app's settings
    end = time.perf_counter() + 0.4
    while time.perf_counter() < end:
        pass
    return current_app.config["KEMENY_TIME_LIMIT"]

ticks = []
def phone():
    while True:
        ticks.append(1)
        gevent.sleep(0.005)

app = Flask(__name__)
app.config["KEMENY_TIME_LIMIT"] = 7
gevent.spawn(phone)
gevent.sleep(0.02)
with app.app_context():
    before = len(ticks)
    if sys.argv[1] == "off":
        answer = off_the_loop(compute)
    else:
        answer = compute()
print(answer, len(ticks) - before)
"""


@pytest.mark.parametrize(("where", "others_go_on"), [("off", True), ("here", False)])
def test_a_long_computation_lets_the_other_requests_of_its_worker_go_on(where, others_go_on):
    """Under gevent a greenlet that computes holds its worker's others (``here``); off the
    loop (``off_the_loop``, the results and outcomes services) they keep being served."""
    run = subprocess.run(
        [sys.executable, "-c", COMPUTING, where],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    answer, ticks = run.stdout.split()
    assert answer == "7"  # the app's settings, read in the pool's thread
    # a phone's greenlet that asks every 5 ms: dozens of turns in 0.4 s, or none at all
    assert (int(ticks) >= 5) is others_go_on, ticks


def test_off_the_loop_without_gevent_is_a_plain_call():
    from hhu_ranking.greenlets import off_the_loop

    assert off_the_loop(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]
    with pytest.raises(ZeroDivisionError):
        off_the_loop(divmod, 1, 0)
