"""Class 20 (imports): a file holds at most IMPORT_MAX_BALLOTS ballots (PrefLib counts
summed); a bigger one is refused whole with a clear Dutch 422 and nothing stored. The file is
read and checked before the write transaction, and stored in bulk, so the write is short."""

from __future__ import annotations

import io
from typing import Any

import pytest
from factories import ITEMS, voted_session
from sqlalchemy import func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot, BallotImport, Participant

TOO_MANY = "Het bestand bevat meer dan"


def _upload(client: Any, round_id: int, text: str, filename: str = "stemmen.csv") -> Any:
    return client.post(
        f"/import/ronde/{round_id}",
        data={"file": (io.BytesIO(text.encode("utf-8")), filename)},
        content_type="multipart/form-data",
    )


def _csv(rows: int) -> str:
    header = ",".join(f"Plaats {n}" for n in range(1, len(ITEMS) + 1))
    orders = [ITEMS, ITEMS[::-1]]
    return header + "\n" + "".join(",".join(orders[i % 2]) + "\n" for i in range(rows))


def _preflib(count: int) -> str:
    names = "".join(f"# ALTERNATIVE NAME {n}: {t}\n" for n, t in enumerate(ITEMS, start=1))
    return (
        "# FILE NAME: papier.soc\n# DATA TYPE: soc\n"
        f"# NUMBER ALTERNATIVES: {len(ITEMS)}\n{names}"
        f"# NUMBER VOTERS: {count}\n# NUMBER UNIQUE ORDERS: 1\n{count}: 1,2,3,4\n"
    )


@pytest.fixture
def round_open(app: Any) -> dict[str, Any]:
    return voted_session(app, orders=[[0, 1, 2, 3]], close=False)


def _ballots(app: Any, round_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
        )


def test_five_thousand_ballots_are_read_in_in_a_few_bulk_statements(
    app, client, login, round_open, writes
):
    login()
    writes.clear()
    response = _upload(client, round_open["round_id"], _csv(5000))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _ballots(app, round_open["round_id"]) == 1 + 5000
    inserts = [s for s in writes if s.lstrip().upper().startswith("INSERT INTO BALLOT ")]
    # one statement (in a few pages of rows), not one per ballot
    assert 1 <= len(inserts) <= 10
    with app.app_context():
        [record] = db.session.scalars(select(BallotImport)).all()
        assert record.ballot_count == 5000
        seqs = db.session.scalars(
            select(Ballot.seq).where(Ballot.round_id == round_open["round_id"])
        ).all()
        assert len(set(seqs)) == len(seqs)  # every ballot its own change number


def test_five_thousand_and_one_are_refused_and_nothing_is_stored(
    app, client, login, round_open, stored
):
    login()
    before = stored()
    response = _upload(client, round_open["round_id"], _csv(5001))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert TOO_MANY in page and "5000" in page and "Er is niets ingelezen" in page
    assert stored() == before


def test_a_tiny_preflib_file_with_a_huge_count_is_refused_at_once(
    app, client, login, round_open, stored
):
    login()
    before = stored()
    response = _upload(client, round_open["round_id"], _preflib(20_000), "papier.soc")
    assert response.status_code == 422
    assert TOO_MANY in response.get_data(as_text=True)
    assert stored() == before
    # the same file within the bound is read in: counts are what is summed
    response = _upload(client, round_open["round_id"], _preflib(5000), "papier.soc")
    assert response.status_code == 302
    assert _ballots(app, round_open["round_id"]) == 1 + 5000


def test_the_bound_is_configurable(app, client, login, round_open, stored):
    login()
    app.config["IMPORT_MAX_BALLOTS"] = 3
    before = stored()
    response = _upload(client, round_open["round_id"], _csv(4))
    assert response.status_code == 422
    assert "meer dan 3 stemmen" in response.get_data(as_text=True)
    assert stored() == before
    assert _upload(client, round_open["round_id"], _csv(3)).status_code == 302


def test_the_file_is_read_before_the_write_transaction_begins(
    app, client, login, round_open, monkeypatch
):
    """Parsing holds no write lock: the unit of work (SQLite's writer queue) starts after."""
    from contextlib import contextmanager

    from hhu_ranking.services import imports as import_service
    from hhu_ranking.views import imports as import_view

    order: list[str] = []
    real_read, real_unit = import_service.read_file, import_view.unit_of_work

    def reading(*args: Any, **kwargs: Any) -> Any:
        order.append("read")
        return real_read(*args, **kwargs)

    @contextmanager
    def unit(*args: Any, **kwargs: Any) -> Any:
        order.append("write")
        with real_unit(*args, **kwargs) as work:
            yield work

    monkeypatch.setattr(import_service, "read_file", reading)
    monkeypatch.setattr(import_view, "unit_of_work", unit)
    login()
    assert _upload(client, round_open["round_id"], _csv(10)).status_code == 302
    assert order == ["read", "write"]
    with app.app_context():
        imported = db.session.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.ballot_import_id.is_not(None))
        )
    assert imported == 10


def test_a_phone_elsewhere_votes_while_a_file_is_being_read(
    app, client, login, round_open, monkeypatch
):
    """Reading the file holds no lock a ballot in another session would wait for."""
    import threading

    from factories import join, vote

    from hhu_ranking.models import RankingSession
    from hhu_ranking.services import imports as import_service

    festival = voted_session(app, orders=[], close=False, title="Kennisfestival")
    with app.app_context():
        code = db.session.get(RankingSession, festival["session_id"]).join_code
    phone = app.test_client()
    assert join(phone, app, code).status_code in (200, 302)
    seen: dict[str, Any] = {}
    real_read = import_service.read_file

    def reading(*args: Any, **kwargs: Any) -> Any:
        def elsewhere() -> None:
            seen["status"] = vote(
                phone, code, festival["round_id"], festival["item_ids"]
            ).status_code

        voter = threading.Thread(target=elsewhere)
        voter.start()
        voter.join(timeout=10)
        seen["voted_meanwhile"] = not voter.is_alive()
        seen["voter"] = voter  # joined after the import: it may be waiting for its lock
        return real_read(*args, **kwargs)

    monkeypatch.setattr(import_service, "read_file", reading)
    login()
    assert _upload(client, round_open["round_id"], _csv(100)).status_code == 302
    seen["voter"].join(timeout=30)
    assert seen["voted_meanwhile"] is True
    assert seen["status"] in (200, 302)
    assert _ballots(app, festival["round_id"]) == 1
