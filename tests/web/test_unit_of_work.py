"""One place commits: a refusal undoes the whole request, success commits, a GET writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from clock import SESSION_DAY
from flask import request, request_finished, url_for
from sqlalchemy import func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import Coalition, RankingSession, Round, RoundState, User
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


def _database(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read on a connection of its own (what is committed)."""
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def every_get(app: Any, client: Any, make_user: Callable[..., Any], runner: Any) -> Any:
    """A GET request for every GET route of the app, each with what it needs to answer 200.

    A kerngroep member's browser (who may see every page), a phone that joined the open
    round, and an API token; data for every URL parameter. Returns the requests as
    ``(endpoint, client, path, headers)``.
    """
    from factories import KERNGROEP, adopt_first_item, catalogue_session, join, run_round, vote

    from hhu_ranking.models import Coalition, Outcome, Participant

    make_user(**KERNGROEP)
    assert (
        client.post(
            "/auth/login", data={"email": KERNGROEP["email"], "password": KERNGROEP["password"]}
        ).status_code
        == 302
    )
    closed = catalogue_session(app, SESSION_DAY)
    order = list(range(len(closed["item_ids"])))
    participant_ids = run_round(app, closed["round_id"], [order, order[::-1], order])
    live = catalogue_session(app, SESSION_DAY, title="Kennisfestival")
    phone = app.test_client()
    with app.app_context():
        outcome = db.session.scalar(select(Outcome).where(Outcome.round_id == closed["round_id"]))
        coalition = db.session.scalar(select(Coalition).order_by(Coalition.id))
        user = db.session.scalar(select(User).where(User.email == KERNGROEP["email"]))
        entry = adopt_first_item(outcome, user, coalition, closed["item_ids"][0])
        round_service.open_round(db.session, db.session.get(Round, live["round_id"]))
        db.session.commit()
        ids = {"outcome_id": outcome.id, "entry_id": entry.id, "key": coalition.key}
        live_code = db.session.get(RankingSession, live["session_id"]).join_code
    assert join(phone, app, live_code).status_code in (200, 302)
    assert vote(phone, live_code, live["round_id"], live["item_ids"]).status_code in (200, 302)
    result = runner.invoke(args=["create-api-token", "--user", KERNGROEP["email"]])
    bearer = {"Authorization": "Bearer " + result.stdout.strip().splitlines()[-1]}

    values = {
        "session_id": closed["session_id"],
        "round_id": closed["round_id"],
        "participant_id": participant_ids[0],
        "catalogue_item_id": closed["catalogue_item_ids"][0],
        "round_item_id": closed["item_ids"][0],
        "table_name": "uitslag",
        "filename": "css/app.css",
        **ids,
    }
    phone_values = {"code": live_code, "round_id": live["round_id"]}
    #: pages that only answer for a round still open
    on_live_round = {"facilitator.confirm_close"}
    #: fragments htmx asks for (without htmx they redirect to their page)
    htmx_only = {"facilitator.round_card"}
    requests = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        on_phone = rule.endpoint.startswith(("participate.", "screen."))
        source = phone_values if on_phone or rule.endpoint in on_live_round else values
        args = {name: source[name] for name in rule.arguments}
        with app.test_request_context():
            path = url_for(rule.endpoint, **args)
        if rule.endpoint == "outcomes.compare":
            path += f"?a={outcome.id}&b={outcome.id}"
        headers = bearer if rule.endpoint.startswith("api.") else {}
        if rule.endpoint in htmx_only:
            headers = {"HX-Request": "true"}
        # the join page is for a phone that has not joined (a joined one is sent on)
        browser = app.test_client() if rule.endpoint == "participate.join" else phone
        requests.append((rule.endpoint, browser if on_phone else client, path, headers))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 4
    return requests


#: GET routes whose answer is not a 200 page by design
ANSWERS = {
    "participate.my_ballot": 204,  # a phone's own ballot follows once its round has closed
    "outcomes.for_round": 302,  # sends on to the round's latest outcome
    "audit.index": 403,  # the audit log is for admins; this browser is the kerngroep's
    "audit.export_csv": 403,
}
#: what a GET may write, each in a short transaction of its own after its reads, never in
#: the request's unit of work: the live result, computed once per version of the ballots and
#: shared by every screen (services/results.py), and an API token's day of use, once a day
#: (services/api_tokens.py)
BOOKKEEPING = {"round_result", "api_token"}
#: what a GET adds every time: a download's event in the audit log (an INSERT, never more)
AUDITED = "audit_event"


def _written_tables(statements: list[str]) -> set[str]:
    return {
        re.search(r"^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", s, re.I).group(1)
        for s in statements
    }


def test_no_get_of_any_route_changes_the_database_or_leaves_anything_pending(
    app, every_get, writes
):
    """Every GET route, asked twice: the first time only the shared caches are filled, the
    second time nothing at all is written."""
    pending: list[tuple[str, int]] = []

    def check(sender: Any, response: Any, **extra: Any) -> None:
        changed = len(db.session.new) + len(db.session.dirty) + len(db.session.deleted)
        pending.append((request.path, changed))

    def ask_every_route() -> list[tuple[str, int]]:
        answered = []
        for endpoint, browser, path, headers in every_get:
            response = browser.get(path, headers=headers)
            response.close()  # a static file's
            answered.append((endpoint, response.status_code))
        return answered

    request_finished.connect(check, app)
    for first_time in (True, False):
        before = _database(app)
        writes.clear()
        answered = ask_every_route()
        assert [a for a in answered if a[1] != ANSWERS.get(a[0], 200)] == []
        after = _database(app)
        audited = [s for s in writes if _written_tables([s]) == {AUDITED}]
        # downloads are noted, only by adding events
        assert audited and all(s.lstrip().upper().startswith("INSERT") for s in audited)
        assert len(after[AUDITED]) > len(before[AUDITED])
        others = [s for s in writes if s not in audited]
        after.pop(AUDITED)
        before.pop(AUDITED)
        if first_time:
            assert others and _written_tables(others) <= BOOKKEEPING
            assert {t: r for t, r in after.items() if t not in BOOKKEEPING} == {
                t: r for t, r in before.items() if t not in BOOKKEEPING
            }
        else:
            assert others == []
            assert after == before
    request_finished.disconnect(check, app)
    assert all(changed == 0 for _path, changed in pending), pending
    # every GET route of the app was asked, including the API, the phone's and the screen's
    endpoints = {e for e, _status in answered}
    assert {
        "api.outcome",
        "participate.my_ballot",
        "screen.show",
        "exports.round_xlsx",
    } <= endpoints
    assert len(answered) == len([r for r in app.url_map.iter_rules() if "GET" in r.methods])


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


def _driver_autocommit() -> bool:
    return bool(db.session.connection().connection.driver_connection.autocommit)


def test_on_postgresql_a_get_reads_without_a_transaction_and_a_post_writes_in_one(
    app, database_url
):
    if database_url is None:
        pytest.skip("SQLite has no round trip to save: its reads stay in a transaction")
    with app.test_request_context("/", method="GET"):
        app.preprocess_request()
        assert _driver_autocommit()
    with app.test_request_context("/", method="POST"):
        app.preprocess_request()
        assert not _driver_autocommit()
        # the pool handed back the GET's connection, in transactions again: all or nothing
        before = _coalitions(app)
        with unit_of_work() as work:
            db.session.add(Coalition(key="een", name="Een"))
            db.session.flush()
            raise ServiceError("Toch niet.", status=409)
        assert work.error == "Toch niet."
    assert _coalitions(app) == before
