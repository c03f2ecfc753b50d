"""With long polls a gunicorn worker has a thousand threads: only a few work at once.

Each request takes a work slot before gunicorn reads it (``gunicorn_worker``), a held
poll gives it back while it waits, and the app's own gate never takes a second one in
the same thread: what a hall would notice is that nothing deadlocks and nothing waits
behind a phone whose connection says nothing.
"""

from __future__ import annotations

import threading

import pytest
from factories import close_round, join, open_round, phone_state_tag, vote
from gunicorn.workers.gthread import ThreadWorker

from hhu_ranking import work_slots
from hhu_ranking.gunicorn_worker import SlotThreadWorker, _in_a_slot

HX = {"HX-Request": "true"}


@pytest.fixture
def app_config():
    return {"LONG_POLL_SECONDS": 25, "LONG_POLL_WAITERS": 100}


class Conn:
    """What the gate reads of gunicorn's connection."""

    def __init__(self, *, initialized: bool, data_ready: bool, data_comes: bool = True) -> None:
        self.initialized = initialized
        self.data_ready = data_ready
        self.data_comes = data_comes
        self.waited = 0

    def wait_for_data(self, _timeout: float) -> bool:
        self.waited += 1
        self.data_ready = self.data_comes
        return self.data_comes


def _within(seconds: float, function, *args):
    """``function(*args)``, in a thread that a wrong gate may leave waiting forever."""
    done: list = []
    thread = threading.Thread(target=lambda: done.append(function(*args)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert done, f"still waiting after {seconds} s"
    return done[0]


@pytest.fixture
def slots():
    one = threading.Semaphore(1)
    before = work_slots.serving()
    work_slots.serve_with(one)
    yield one
    work_slots.serve_with(before)


def test_a_request_is_read_and_handled_in_a_slot_given_back_after(slots):
    seen = []
    conn = Conn(initialized=True, data_ready=False)
    assert _in_a_slot(lambda c: seen.append(work_slots.holds(slots)) or "kept", conn) == "kept"
    assert seen == [True]
    assert not work_slots.holds(slots)
    assert slots.acquire(blocking=False)  # the one slot is free again
    slots.release()


def test_a_new_connection_is_awaited_without_a_slot(slots):
    slots.acquire()  # every slot busy: a silent connection must not wait for one
    try:
        silent = Conn(initialized=False, data_ready=False, data_comes=False)
        assert _within(5, _in_a_slot, lambda c: work_slots.holds(slots), silent) is False
        assert silent.waited == 1
    finally:
        slots.release()
    speaking = Conn(initialized=False, data_ready=False)
    assert _in_a_slot(lambda c: work_slots.holds(slots), speaking) is True


def test_a_failing_request_gives_its_slot_back(slots):
    def fails(_conn):
        raise OSError("reset by peer")

    with pytest.raises(OSError):
        _in_a_slot(fails, Conn(initialized=True, data_ready=True))
    assert slots.acquire(blocking=False)
    slots.release()


def test_without_long_polls_there_are_no_slots_to_take():
    before = work_slots.serving()
    work_slots.serve_with(None)
    try:
        assert _in_a_slot(lambda c: "handled", Conn(initialized=False, data_ready=False)) == (
            "handled"
        )
    finally:
        work_slots.serve_with(before)


def test_the_worker_reads_and_serves_each_connection_in_a_slot(slots, monkeypatch):
    monkeypatch.setattr(ThreadWorker, "handle", lambda _self, _conn: work_slots.holds(slots))
    worker = object.__new__(SlotThreadWorker)  # gunicorn's own set-up is not needed here
    assert worker.handle(Conn(initialized=True, data_ready=True)) is True
    assert not work_slots.holds(slots)


def test_the_app_takes_no_second_slot_in_a_thread_that_holds_one(app, make_session):
    """Under gunicorn the worker took the slot; the app's own gate must not wait for
    another (with one slot it would wait forever), and a held poll gives it back."""
    ids = make_session(items=("Mensgericht", "Regiobreed"))
    open_round(app, ids["round_id"])
    one = threading.Semaphore(1)
    app.wsgi_app._slots = one
    phone = app.test_client()

    def ballot_in_a_slot():
        work_slots.take(one)  # as the worker does before it reads the request
        try:
            join(phone, app, ids["code"])
            status = vote(phone, ids["code"], ids["round_id"], ids["item_ids"]).status_code
            return status, work_slots.holds(one)
        finally:
            work_slots.give_back(one)

    # sent, and the slot given back by the app when done
    assert _within(10, ballot_in_a_slot) == (302, False)
    tag = phone_state_tag(app, ids["session_id"])
    other = app.test_client()
    join(other, app, ids["code"])

    def held_poll():
        work_slots.take(one)
        try:
            return other.get(
                f"/j/{ids['code']}/status?seen={ids['round_id']}-open&wait=20",
                headers={**HX, "If-None-Match": tag, "X-Hhu-Page": "p"},
            )
        finally:
            work_slots.give_back(one)

    answer: list = []
    waiting = threading.Thread(target=lambda: answer.append(held_poll()))
    waiting.start()
    for _ in range(500):
        if app.wsgi_app.waits.waiting == 1:
            break
        threading.Event().wait(0.01)
    assert app.wsgi_app.waits.waiting == 1
    # the held poll gave its slot back: the one slot is free for the close's request
    assert one.acquire(timeout=5)
    one.release()
    close_round(app, ids["round_id"])
    waiting.join(timeout=15)
    assert answer and answer[0].status_code == 200


def test_an_unchanged_poll_is_answered_while_every_slot_works(app, make_session):
    """In a saturated hall the phones' unchanged polls (a 304 from one indexed read) do not
    queue behind the views for a slot; a request that needs the app still waits for one."""
    ids = make_session(items=("Mensgericht", "Regiobreed"))
    open_round(app, ids["round_id"])
    phone = app.test_client()
    join(phone, app, ids["code"])
    tag = phone_state_tag(app, ids["session_id"])
    one = threading.Semaphore(1)
    app.wsgi_app._slots = one
    one.acquire()  # a view is working in the one slot
    try:
        unchanged = _within(
            10,
            lambda: phone.get(
                f"/j/{ids['code']}/status?seen={ids['round_id']}-open",
                headers={**HX, "If-None-Match": tag},
            ),
        )
        assert unchanged.status_code == 304
        page = threading.Thread(target=phone.get, args=(f"/j/{ids['code']}/stem",), daemon=True)
        page.start()
        page.join(0.5)
        assert page.is_alive()  # the ballot page waits for the slot
    finally:
        one.release()
    page.join(10)
    assert not page.is_alive()
