"""One place commits: a refusal undoes the whole request, success commits, a GET writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import request, request_finished
from sqlalchemy import event, func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import Coalition, RankingSession, Round, RoundState
from hhu_ranking.services import rounds as round_service
from hhu_ranking.services import sessions as session_service
from hhu_ranking.services.errors import ServiceError
from hhu_ranking.views.unit_of_work import unit_of_work


@pytest.fixture
def facilitator(login: Callable[..., Any]) -> Any:
    return login()


def _coalitions(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Coalition)) or 0


def _write_then_refuse(status: int) -> Callable[..., None]:
    """A service that changes two things and then refuses: neither may survive."""

    def refuse(session: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        target.title = "Veranderd"
        session.add(Coalition(key="spook", name="Spook"))
        session.flush()
        raise ServiceError("Dat mag niet.", status=status)

    return refuse


def test_a_refusal_kept_by_the_view_rolls_back_everything_the_request_did(
    app, facilitator, make_session, monkeypatch
):
    ids = make_session()
    before = _coalitions(app)
    monkeypatch.setattr(round_service, "close_round", _write_then_refuse(409))

    page = facilitator.post(f"/beheer/rondes/{ids['round_id']}/sluiten", follow_redirects=True)

    assert "Dat mag niet." in page.get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        assert round_.title == "Waarden" and round_.state is RoundState.DRAFT
    assert _coalitions(app) == before


def test_a_refusal_no_view_keeps_renders_its_message_with_its_status(
    app, facilitator, make_session, monkeypatch
):
    ids = make_session()
    before = _coalitions(app)
    monkeypatch.setattr(session_service, "set_joining_locked", _write_then_refuse(409))

    response = facilitator.post(
        f"/beheer/sessies/{ids['session_id']}/deelname", data={"locked": "1"}
    )

    assert response.status_code == 409
    assert "Dat mag niet." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RankingSession, ids["session_id"]).title == "Netwerkbijeenkomst"
    assert _coalitions(app) == before


def test_a_successful_post_is_committed(app, facilitator):
    response = facilitator.post(
        "/beheer/sessies/nieuw",
        data={"title": "Vastgelegd", "held_on": "2030-11-22", "kind": "netwerkbijeenkomst"},
    )
    assert response.status_code == 302
    # read on a connection of its own: only committed rows are visible there
    with app.app_context(), db.engine.connect() as connection:
        titles = connection.execute(select(RankingSession.title)).scalars().all()
    assert "Vastgelegd" in titles


@pytest.fixture
def writes(app: Any) -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE sent to the database while the list is being recorded."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_get_writes_nothing_and_leaves_nothing_pending(app, facilitator, make_session, writes):
    ids = make_session()
    pending: list[tuple[str, int]] = []

    def check(sender: Any, response: Any, **extra: Any) -> None:
        changed = len(db.session.new) + len(db.session.dirty) + len(db.session.deleted)
        pending.append((request.path, changed))

    request_finished.connect(check, app)
    sid, rid = ids["session_id"], ids["round_id"]
    pages = [
        "/beheer/",
        f"/beheer/sessies/{sid}",
        f"/beheer/sessies/{sid}/stand",
        f"/beheer/sessies/{sid}/kopieren",
        f"/beheer/sessies/{sid}/rondes/nieuw",
        f"/beheer/rondes/{rid}/bewerken",
        "/agenda/",
        "/uitkomsten/",
        f"/import/ronde/{rid}",
    ]
    writes.clear()
    for page in pages:
        assert facilitator.get(page).status_code == 200, page
    request_finished.disconnect(check, app)
    assert writes == []
    assert pending == [(page, 0) for page in pages]


def test_unit_of_work_commits_keeps_a_refusal_and_passes_other_errors_on(app):
    with app.app_context():
        with unit_of_work() as work:
            db.session.add(Coalition(key="een", name="Een"))
        assert work.ok and work.error is None and work.status == 200

        with unit_of_work() as work:
            db.session.add(Coalition(key="twee", name="Twee"))
            raise ServiceError("Nee.", status=422)
        assert not work.ok and work.error == "Nee." and work.status == 422

        with pytest.raises(ServiceError), unit_of_work(refusal="raise"):
            db.session.add(Coalition(key="drie", name="Drie"))
            raise ServiceError("Nee.")

        with pytest.raises(RuntimeError), unit_of_work():
            db.session.add(Coalition(key="vier", name="Vier"))
            raise RuntimeError("boom")

        keys = set(db.session.scalars(select(Coalition.key)))
        assert "een" in keys and not keys & {"twee", "drie", "vier"}
