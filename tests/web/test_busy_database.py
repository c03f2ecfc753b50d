"""A busy database is a moment, not a crash: 503 with Retry-After, nothing stored, and then
the same ballot goes through."""

from __future__ import annotations

import sqlite3

import pytest
from factories import ballots, join, open_round, vote
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from hhu_ranking.services import ballots as ballot_service


def _locked(*_args, **_kwargs):
    raise OperationalError("INSERT INTO ballot ...", {}, sqlite3.OperationalError("locked"))


def _pool_full(*_args, **_kwargs):
    raise PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached")


@pytest.mark.parametrize("failure", [_locked, _pool_full], ids=["database-locked", "pool-full"])
def test_a_busy_database_answers_503_with_retry_after_and_stores_nothing(
    app, client, make_session, monkeypatch, failure
):
    ids = make_session()
    join(client, app, ids["code"])
    open_round(app, ids["round_id"])
    a, b, c = ids["item_ids"]
    with monkeypatch.context() as patched:
        patched.setattr(ballot_service, "_upsert_while_open", failure)
        busy = vote(client, ids["code"], ids["round_id"], [c, b, a], **{"HX-Request": "true"})
    assert busy.status_code == 503
    assert int(busy.headers["Retry-After"]) >= 1
    page = busy.get_data(as_text=True)
    assert "Het is nu erg druk" in page and "Traceback" not in page
    assert ballots(app, ids["round_id"]) == []

    # the page sends the same ballot again, and now it counts
    again = vote(client, ids["code"], ids["round_id"], [c, b, a], **{"HX-Request": "true"})
    assert again.status_code == 200 and "Je stem is ontvangen" in again.get_data(as_text=True)
    assert [stored.ranking for stored in ballots(app, ids["round_id"])] == [[c, b, a]]


def test_the_ballot_form_carries_the_retry_message(app, client, make_session):
    ids = make_session()
    join(client, app, ids["code"])
    open_round(app, ids["round_id"])
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert "Je stem is nog niet ontvangen" in page
    assert "data-send-status" in page
