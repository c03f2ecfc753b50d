"""Class 16: an audit log of who did what when; append-only (the database refuses changes),
visible to admins only, exported as CSV with formula injection neutralised."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from factories import KERNGROEP, new_round_form, parse_html, voted_session
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hhu_ranking.extensions import db
from hhu_ranking.models import AuditEvent, Role, Round, User
from hhu_ranking.services import audit

PASSWORD = "geheim-wachtwoord"
ADMIN = "beheer@hhu.test"
LEADER = "leider@hhu.test"
OTHER = "ander@hhu.test"


def _events(app: Any, action: str | None = None) -> list[dict[str, Any]]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return [
            {
                "action": e.action,
                "actor": e.actor_email,
                "actor_id": e.actor_id,
                "session_id": e.session_id,
                "round_id": e.round_id,
                "user_id": e.user_id,
                "detail": json.loads(e.detail),
                "at": e.at,
            }
            for e in db.session.scalars(query)
        ]


def _log_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post("/auth/login", data={"email": email, "password": password})


@pytest.fixture
def leader_session(make_user, make_session):
    """LEADER's session with one draft round."""
    leader_id = make_user(email=LEADER, name="Lea Leider")
    ids = make_session(created_by_id=leader_id)
    return {"session_id": ids["session_id"], "round_id": ids["round_id"], "leader_id": leader_id}


# -- what is recorded -----------------------------------------------------------------------


def test_logins_failed_logins_and_logouts_are_recorded_without_what_was_typed(
    app, client, make_user
):
    user_id = make_user(email=LEADER)
    assert _log_in(client, LEADER, "verkeerd-wachtwoord").status_code == 200
    assert _log_in(client, "onbekend-geheim@hhu.test", "nog-een-wachtwoord").status_code == 200
    assert _log_in(client, LEADER).status_code == 302
    assert client.post("/auth/logout").status_code == 302

    events = _events(app)
    assert [e["action"] for e in events] == [
        "account.create",
        "login.failed",
        "login.failed",
        "login",
        "logout",
    ]
    known, unknown, ok, out = events[1:]
    # a failed login is nobody's act; the known account is named as what it was about
    assert known["actor"] is None and known["user_id"] == user_id
    assert unknown["actor"] is None and unknown["user_id"] is None
    assert ok["actor"] == LEADER and out["actor"] == LEADER
    stored = json.dumps([e | {"at": None} for e in events])
    for typed in ("onbekend-geheim", "verkeerd-wachtwoord", "nog-een-wachtwoord"):
        assert typed not in stored


def test_round_changes_name_the_facilitator_and_a_deleted_round_leaves_a_trace(
    app, client, leader_session
):
    ids = leader_session
    _log_in(client, LEADER)
    round_id = ids["round_id"]
    assert client.post(f"/beheer/rondes/{round_id}/openen").status_code == 302
    assert client.post(f"/beheer/sessies/{ids['session_id']}/deelname", data={"locked": "1"})
    assert client.post(f"/beheer/rondes/{round_id}/sluiten").status_code == 302
    response = client.post(
        f"/beheer/sessies/{ids['session_id']}/rondes/nieuw",
        data=new_round_form(
            title="Spelregels", items_text="Lachen mag\nDelen", results_live="", anonymous=""
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Round).where(Round.title == "Spelregels"))
        draft_id = draft.id
    assert client.post(f"/beheer/rondes/{draft_id}/verwijderen").status_code == 302

    by_leader = [e for e in _events(app) if e["actor"] == LEADER]
    assert [e["action"] for e in by_leader] == [
        "login",
        "round.open",
        "session.joining",
        "round.close",
        "round.create",
        "round.delete",
    ]
    assert all(e["session_id"] == ids["session_id"] for e in by_leader[1:])
    assert by_leader[2]["detail"] == {"locked": True}
    assert by_leader[3]["detail"]["outcome_version"] == 1
    deleted = by_leader[-1]
    assert deleted["round_id"] == draft_id and deleted["detail"]["title"] == "Spelregels"
    with app.app_context():
        assert db.session.get(Round, draft_id) is None  # gone, but not from the log


def test_a_refused_change_leaves_no_event(app, client, leader_session):
    _log_in(client, LEADER)
    round_id = leader_session["round_id"]
    client.post(f"/beheer/rondes/{round_id}/openen")
    before = _events(app)
    # opening it again is refused (409): the change is rolled back, and so is its event
    response = client.post(f"/beheer/rondes/{round_id}/openen", follow_redirects=True)
    assert "Deze ronde is al open." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, round_id).state.value == "open"
    assert _events(app) == before


def test_a_refused_ownership_is_recorded_and_changes_nothing_else(
    app, client, make_user, leader_session
):
    make_user(email=OTHER, name="Andere Leider")
    _log_in(client, OTHER)
    response = client.post(f"/beheer/rondes/{leader_session['round_id']}/openen")
    assert response.status_code == 403
    refused = _events(app, "access.refused")
    assert len(refused) == 1
    assert refused[0]["actor"] == OTHER
    assert refused[0]["session_id"] == leader_session["session_id"]
    assert refused[0]["detail"]["method"] == "POST"
    assert _events(app, "round.open") == []


def test_imports_and_exports_are_recorded(app, client, login):
    login()
    voted = voted_session(app, close=False)
    upload = (
        "Plaats 1,Plaats 2,Plaats 3,Plaats 4\nRegiobreed,Mensgericht,Missiegedreven,Zelfsturend\n"
    )
    response = client.post(
        f"/import/ronde/{voted['round_id']}",
        data={"file": (io.BytesIO(upload.encode()), "papier.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [imported] = _events(app, "import")
    assert imported["actor"] == LEADER and imported["round_id"] == voted["round_id"]
    assert imported["detail"]["file"] == "papier.csv" and imported["detail"]["ballots"] == 1

    client.post(f"/beheer/rondes/{voted['round_id']}/sluiten")
    assert client.get(f"/export/ronde/{voted['round_id']}/stemmen.csv").status_code == 200
    assert client.get(f"/export/sessie/{voted['session_id']}.xlsx").status_code == 200
    assert client.get("/export/ronde/999999/stemmen.csv").status_code == 404  # not an export
    exported = _events(app, "export")
    assert [e["detail"]["export"] for e in exported] == ["round_csv", "session_xlsx"]
    assert all(e["actor"] == LEADER for e in exported)
    assert exported[0]["session_id"] == voted["session_id"]


def test_an_api_export_of_an_outcome_is_recorded(app, client, runner, make_user):
    make_user(**KERNGROEP)
    voted = voted_session(app)
    token = runner.invoke(args=["create-api-token", "--user", KERNGROEP["email"]])
    bearer = {"Authorization": "Bearer " + token.stdout.strip().splitlines()[-1]}
    assert client.get(f"/api/v1/outcomes/{voted['outcome_id']}", headers=bearer).status_code == 200
    [fetched] = _events(app, "api.export")
    assert fetched["actor"] == KERNGROEP["email"]
    assert fetched["round_id"] == voted["round_id"]


# -- append-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'login'", "DELETE FROM audit_event"],
)
def test_the_database_refuses_to_change_or_remove_an_event(app, make_user, statement):
    make_user(email=LEADER)  # "account.create"
    with app.app_context():
        with pytest.raises(DBAPIError), db.engine.begin() as connection:
            connection.execute(text(statement))
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT action FROM audit_event")).scalars().all()
    assert rows == ["account.create"]


def test_the_app_has_no_code_that_changes_events():
    """Nothing in the package updates or deletes an AuditEvent (the trigger is the backstop)."""
    from pathlib import Path

    import hhu_ranking

    package = Path(hhu_ranking.__file__).parent
    for path in package.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "update(AuditEvent" not in source, path
        assert "delete(AuditEvent" not in source, path


def test_an_unknown_action_is_a_programming_error(app):
    with app.app_context(), pytest.raises(ValueError):
        audit.record(db.session, "round.renamed")


# -- the admin's page and CSV ---------------------------------------------------------------


def test_only_admins_see_the_log(app, client, make_user):
    make_user(email=LEADER)
    make_user(**KERNGROEP)
    assert client.get("/beheer/audit/").status_code == 302  # to the login page
    _log_in(client, LEADER)
    assert client.get("/beheer/audit/").status_code == 403
    assert client.get("/beheer/audit/logboek.csv").status_code == 403
    client.post("/auth/logout")
    _log_in(client, KERNGROEP["email"], KERNGROEP["password"])
    assert client.get("/beheer/audit/").status_code == 403
    assert "Logboek" not in client.get("/beheer/").get_data(as_text=True)


def _admin(client: Any, make_user: Any) -> None:
    make_user(email=ADMIN, role=Role.ADMIN, name="Beheerder")
    assert _log_in(client, ADMIN).status_code == 302


def test_the_page_lists_newest_first_in_pages(app, client, make_user):
    _admin(client, make_user)
    with app.app_context():
        for number in range(audit.PAGE_SIZE + 5):
            audit.record(db.session, "round.settings", actor=None, detail={"title": f"R{number}"})
        db.session.commit()
    page = client.get("/beheer/audit/")
    assert page.status_code == 200
    rows = parse_html(page).select("table.audit-log tbody tr")
    assert len(rows) == audit.PAGE_SIZE
    assert "R54" in rows[0].get_text() and "R5" in rows[-1].get_text()
    assert parse_html(page).select_one("a[rel=next]") is not None
    second = parse_html(client.get("/beheer/audit/?pagina=2"))
    texts = [r.get_text(" ", strip=True) for r in second.select("table.audit-log tbody tr")]
    # the rest: the five oldest settings, then the admin's account and login
    assert any("R0" in t for t in texts) and any(ADMIN in t for t in texts)
    assert second.select_one("a[rel=prev]") is not None
    # a page beyond the last shows the last; nonsense is page 1
    assert client.get("/beheer/audit/?pagina=99").status_code == 200
    assert client.get("/beheer/audit/?pagina=x%00").status_code == 200


def test_filters_come_from_an_allow_list(app, client, make_user, leader_session):
    _admin(client, make_user)
    with app.app_context():
        audit.record(db.session, "round.open", actor=None, session_id=leader_session["session_id"])
        db.session.commit()

    def shown(query: str) -> list[str]:
        page = parse_html(client.get("/beheer/audit/" + query))
        return [r.select("td")[2].get_text(strip=True) for r in page.select("tbody tr")]

    assert shown("?actie=round.open") == ["Ronde geopend"]
    assert shown(f"?sessie={leader_session['session_id']}") == [
        "Ronde geopend",
        "Ronde toegevoegd",
        "Sessie aangemaakt",
    ]
    assert set(shown(f"?account={ADMIN.upper()}")) == {"Ingelogd"}
    # an action that is not on the list filters nothing (and breaks nothing)
    everything = shown("")
    assert shown("?actie=1%27%20OR%201%3D1--") == everything
    assert shown("?sessie=-1") == everything


def test_the_csv_export_is_filtered_and_neutralises_formulas(app, client, make_user):
    _admin(client, make_user)
    make_user(email="=HYPERLINK(1)@hhu.test", name="=1+1")
    assert _log_in(app.test_client(), "=HYPERLINK(1)@hhu.test").status_code == 302
    response = client.get("/beheer/audit/logboek.csv?actie=login")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Tijdstip (UTC)", "Account", "Actie"]
    accounts = [row[1] for row in rows[1:]]
    assert accounts == ["'=hyperlink(1)@hhu.test", ADMIN]  # newest first, and as text
    assert {row[2] for row in rows[1:]} == {"login"}


# -- privacy ----------------------------------------------------------------------------------


def test_the_log_holds_nothing_of_participants_and_the_purge_still_runs(app, runner, client, login):
    login()
    voted = voted_session(
        app, anonymous=False, names=["Jan Jansen", "Fatima Bakker", "Piet Peters", "Ans Smit"]
    )
    assert client.get(f"/export/ronde/{voted['round_id']}/stemmen.csv").status_code == 200
    app.config["RETENTION_DAYS"] = 5  # the session was held 9 days ago
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "opgeschoond" in result.output
    with app.app_context(), db.engine.connect() as connection:
        rows = [tuple(map(str, r)) for r in connection.execute(text("SELECT * FROM audit_event"))]
    assert rows
    for secret in [
        "Jan Jansen",
        "Fatima Bakker",
        "Ans Smit",
        *voted["tokens"],
        *voted["token_hashes"],
    ]:
        assert not any(secret in value for row in rows for value in row)


def test_a_blocked_login_is_recorded_though_the_attempt_changes_nothing(app, client, make_user):
    from hhu_ranking.services.logins import MAX_FAILURES_PER_ACCOUNT

    user_id = make_user(email=LEADER)
    for _attempt in range(MAX_FAILURES_PER_ACCOUNT):
        assert _log_in(client, LEADER, "verkeerd-wachtwoord").status_code == 200
    assert _log_in(client, LEADER).status_code == 429  # even the right password now
    [blocked] = _events(app, "login.blocked")
    assert blocked["actor"] is None and blocked["user_id"] == user_id
    assert len(_events(app, "login.failed")) == MAX_FAILURES_PER_ACCOUNT
    assert _events(app, "login") == []


def test_a_new_password_is_recorded_with_the_account_it_is_about(app, make_user):
    from hhu_ranking.services.errors import ServiceError
    from hhu_ranking.services.logins import set_password

    user_id = make_user(email=LEADER)
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(ServiceError):
            set_password(db.session, user, "kort")
        db.session.rollback()
        set_password(db.session, db.session.get(User, user_id), "een-nieuw-wachtwoord")
        db.session.commit()
    [changed] = _events(app, "account.password")
    assert changed["user_id"] == user_id
    assert "een-nieuw-wachtwoord" not in json.dumps(changed["detail"])
