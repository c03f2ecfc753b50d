"""A phone's poll held on the server until its round opens or closes (long polling).

In a hall the phones' polls were five in six of all requests; now a phone asks once,
and the server answers when there is something to show: at once when the round
closes, with a 304 when its time is up, and at once too when it has no room to hold
it. What a phone would notice: it sees the close without waiting for its interval,
and nothing else it does (a ballot, joining) waits behind the held polls.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from factories import close_round, join, open_round, parse_html, phone_state_tag, rendered, vote

from hhu_ranking.long_polls import StateWaits, end_all_waits

HX = {"HX-Request": "true"}


@pytest.fixture
def app_config():
    """Long polls are off by default (LONG_POLL_SECONDS=0): this module turns them on."""
    return {"LONG_POLL_SECONDS": 25, "LONG_POLL_WAITERS": 100}


ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")

# -- the waiting itself ------------------------------------------------------------------


class Versions:
    """State versions by join code, as the watching thread reads them."""

    def __init__(self, **versions: int) -> None:
        self.versions: dict[str, int | None] = dict(versions)
        self.read = threading.Event()

    def __call__(self, code: str) -> int | None:
        self.read.set()
        return self.versions.get(code)


def _in_thread(function, *args):
    pool = ThreadPoolExecutor(1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)
    return future


def _until_waiting(waits: StateWaits, count: int) -> None:
    for _ in range(500):
        if waits.waiting == count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{waits.waiting} polls waiting, not {count}")


def test_a_held_poll_is_answered_when_its_state_moves_on_not_when_its_time_is_up():
    versions = Versions(ABC123=4)
    waits = StateWaits(versions, capacity=10, tick=0.01)
    held = _in_thread(waits.wait, "ABC123", 4, 30.0)
    _until_waiting(waits, 1)
    versions.versions["ABC123"] = 5
    assert held.result(timeout=10)[:2] == ("changed", 5)
    assert waits.waiting == 0


def test_the_rest_of_the_hall_is_woken_once_the_first_has_its_answer():
    versions = Versions(ABC123=4)
    waits = StateWaits(versions, capacity=10, tick=0.01)
    held = [_in_thread(waits.wait, "ABC123", 4, 30.0) for _ in range(3)]
    _until_waiting(waits, 3)
    versions.versions["ABC123"] = 5
    for _ in range(500):
        if any(h.done() for h in held):
            break
        threading.Event().wait(0.01)
    first = [h for h in held if h.done()]
    threading.Event().wait(0.2)
    assert len([h for h in held if h.done()]) == 1, "the hall was woken before the first answer"
    first[0].result().answered.set()
    assert [h.result(timeout=10).end for h in held] == ["changed"] * 3


def test_a_poll_whose_state_already_moved_on_is_answered_at_the_next_look():
    waits = StateWaits(Versions(ABC123=5), capacity=10, tick=0.01)
    assert waits.wait("ABC123", 4, 30.0).end == "changed"


def test_a_session_that_is_gone_ends_the_wait():
    waits = StateWaits(Versions(), capacity=10, tick=0.01)
    assert waits.wait("GONE00", 4, 30.0)[:2] == ("changed", None)


def test_an_unchanged_state_holds_the_poll_until_its_time_is_up():
    versions = Versions(ABC123=4)
    waits = StateWaits(versions, capacity=10, tick=0.01)
    assert waits.wait("ABC123", 4, 0.3).end == "timeout"
    assert versions.read.is_set()
    assert waits.waiting == 0


def test_a_page_that_asks_again_ends_its_older_poll_but_not_another_pages():
    waits = StateWaits(Versions(ABC123=4), capacity=10, tick=0.01)
    older = _in_thread(waits.wait, "ABC123", 4, 30.0, "page-1")
    other = _in_thread(waits.wait, "ABC123", 4, 0.5, "page-2")
    _until_waiting(waits, 2)
    assert waits.wait("ABC123", 4, 0.2, "page-1").end == "timeout"
    assert older.result(timeout=10).end == "superseded"
    assert other.result(timeout=10).end == "timeout"


def test_with_no_room_left_a_poll_is_answered_at_once():
    waits = StateWaits(Versions(ABC123=4), capacity=1, tick=0.01)
    held = _in_thread(waits.wait, "ABC123", 4, 0.5)
    _until_waiting(waits, 1)
    assert waits.wait("ABC123", 4, 30.0).end == "full"
    assert held.result(timeout=10).end == "timeout"


def test_a_stopping_worker_answers_its_held_polls_and_holds_no_more():
    waits = StateWaits(Versions(ABC123=4), capacity=10, tick=0.01)
    held = _in_thread(waits.wait, "ABC123", 4, 30.0)
    _until_waiting(waits, 1)
    end_all_waits()
    assert held.result(timeout=10).end == "superseded"
    assert waits.wait("ABC123", 4, 30.0).end == "full"


# -- through the app ---------------------------------------------------------------------


def _phone_in_open_round(app, make_session):
    ids = make_session(items=ITEMS)
    open_round(app, ids["round_id"])
    phone = app.test_client()
    join(phone, app, ids["code"])
    return ids, phone


def _held_poll(phone, ids, tag, wait):
    return phone.get(
        f"/j/{ids['code']}/status?seen={ids['round_id']}-open&wait={wait}",
        headers={**HX, "If-None-Match": tag, "X-Hhu-Page": "p1"},
    )


def test_the_phone_page_asks_the_server_to_hold_its_poll(app, make_session):
    ids, phone = _phone_in_open_round(app, make_session)
    page = parse_html(phone.get(f"/j/{ids['code']}/stem").get_data(as_text=True))
    polled = page.select_one("#phone-round")
    assert "wait=25" in polled["hx-get"]
    assert polled.has_attr("data-long-poll")
    assert polled["hx-trigger"] == "load delay:2.0s, shown, next-poll"
    assert polled["data-poll-seconds"] == "2.0"


@pytest.mark.parametrize("app_config", [{}], ids=["default"])
def test_by_default_the_server_holds_the_phones_poll(app, make_session):
    ids, phone = _phone_in_open_round(app, make_session)
    assert app.wsgi_app.waits is not None
    page = parse_html(phone.get(f"/j/{ids['code']}/stem").get_data(as_text=True))
    polled = page.select_one("#phone-round")
    assert "wait=25" in polled["hx-get"]
    assert polled.has_attr("data-long-poll")


@pytest.mark.parametrize("app_config", [{"LONG_POLL_SECONDS": 0}], ids=["off"])
def test_without_long_polls_the_phone_polls_every_interval(app, make_session):
    ids, phone = _phone_in_open_round(app, make_session)
    assert app.wsgi_app.waits is None
    page = parse_html(phone.get(f"/j/{ids['code']}/stem").get_data(as_text=True))
    polled = page.select_one("#phone-round")
    assert "wait=" not in polled["hx-get"]
    assert not polled.has_attr("data-long-poll")
    assert polled["hx-trigger"] == "every 2.0s, shown"


def test_a_held_poll_shows_the_closed_round_as_soon_as_it_closes(app, make_session):
    ids, phone = _phone_in_open_round(app, make_session)
    assert vote(phone, ids["code"], ids["round_id"], ids["item_ids"]).status_code == 302
    tag = phone_state_tag(app, ids["session_id"])
    held = _in_thread(_held_poll, phone, ids, tag, 20)
    _until_waiting(app.wsgi_app.waits, 1)
    close_round(app, ids["round_id"])
    answer = held.result(timeout=15)
    assert answer.status_code == 200
    assert "Deze ronde is gesloten" in answer.get_data(as_text=True)


def test_an_unchanged_held_poll_answers_not_modified_and_says_how_long_it_was_held(
    app, make_session
):
    ids, phone = _phone_in_open_round(app, make_session)
    tag = phone_state_tag(app, ids["session_id"])
    answer = _held_poll(phone, ids, tag, 0.3)
    assert answer.status_code == 304
    held_ms = float(answer.headers["Server-Timing"].partition("dur=")[2])
    assert held_ms >= 300


def test_a_held_poll_keeps_no_work_slot_from_a_ballot(app, make_session):
    app.wsgi_app._slots = threading.Semaphore(1)  # as WORK_SLOTS=1: one request works at once
    ids, phone = _phone_in_open_round(app, make_session)
    tag = phone_state_tag(app, ids["session_id"])
    held = _in_thread(_held_poll, phone, ids, tag, 20)
    _until_waiting(app.wsgi_app.waits, 1)
    # the one slot is free while the poll waits: a ballot goes through meanwhile
    other = app.test_client()
    join(other, app, ids["code"])
    assert vote(other, ids["code"], ids["round_id"], ids["item_ids"]).status_code == 302
    assert not held.done()
    close_round(app, ids["round_id"])
    assert held.result(timeout=15).status_code == 200


def test_a_hall_woken_at_once_by_the_close_renders_its_closed_round_once(app, make_session):
    ids = make_session(items=ITEMS)
    open_round(app, ids["round_id"])
    phones = []
    for _ in range(8):
        phone = app.test_client()
        join(phone, app, ids["code"])
        assert vote(phone, ids["code"], ids["round_id"], ids["item_ids"]).status_code == 302
        phones.append(phone)
    tag = phone_state_tag(app, ids["session_id"])
    pool = ThreadPoolExecutor(len(phones))
    held = [
        pool.submit(
            phone.get,
            f"/j/{ids['code']}/status?seen={ids['round_id']}-open&wait=20",
            headers={**HX, "If-None-Match": tag, "X-Hhu-Page": f"page-{n}"},
        )
        for n, phone in enumerate(phones)
    ]
    _until_waiting(app.wsgi_app.waits, len(phones))
    with rendered(app) as names:
        close_round(app, ids["round_id"])
        answers = [future.result(timeout=15) for future in held]
    pool.shutdown()
    cards = {answer.get_data(as_text=True) for answer in answers}
    assert {answer.status_code for answer in answers} == {200}
    assert len(cards) == 1 and "Deze ronde is gesloten" in cards.pop()
    assert names.count("participate/_round.html") == 1
