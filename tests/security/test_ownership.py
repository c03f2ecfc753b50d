"""Class 13: a session belongs to its creator and the co-facilitators they add; an admin
may run any; the kerngroep exports any (as today) but runs only its own. Every other
facilitator gets a 403 on every route of the session and its rounds, logged, and nothing
changes."""

from __future__ import annotations

import io
import logging

import pytest
from clock import days_from_today
from factories import KERNGROEP, parse_html, run_round, session_with_round
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Participant, Role

OWNER = "eigenaar@hhu.test"
OTHER = "ander@hhu.test"
PASSWORD = "geheim-wachtwoord"
REFUSED = "Deze sessie is van een andere gespreksleider."


def _text(response) -> str:
    return parse_html(response).get_text(" ", strip=True)


@pytest.fixture
def owned(app, make_user):
    """A session with a draft round and a closed round, created by OWNER."""
    owner_id = make_user(email=OWNER, name="Eigenaar")
    made = session_with_round(
        app,
        title="Sessie van de eigenaar",
        created_by_id=owner_id,
        round_titles=("Concept", "Gesloten"),
    )
    draft, closed = made["round_ids"]
    ids = {"session_id": made["session_id"], "draft": draft, "closed": closed}
    run_round(app, ids["closed"], [[0, 1, 2], [2, 1, 0], [1, 0, 2]])
    with app.app_context():
        ids["participant"] = db.session.scalars(
            select(Participant.id).where(Participant.session_id == ids["session_id"])
        ).first()
    return ids


def _client_as(app, make_user, email, role=Role.FACILITATOR, name="Ander"):
    make_user(email=email, name=name, role=role)
    client = app.test_client()
    assert (
        client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    )
    return client


def _facilitator_routes(ids):
    s, draft, closed = ids["session_id"], ids["draft"], ids["closed"]
    csv = b"plaats 1,plaats 2,plaats 3\nMensgericht,Missiegedreven,Regiobreed\n"
    person = ids["participant"]
    return [
        # a participant's data on request (issue 12) is the session's facilitators' business
        ("get", f"/beheer/sessies/{s}/privacy", None),
        ("post", f"/beheer/sessies/{s}/namen", {"ask": "1"}),
        ("get", f"/beheer/deelnemers/{person}.json", None),
        ("post", f"/beheer/deelnemers/{person}/verwijderen", None),
        ("get", f"/beheer/sessies/{s}", None),
        ("get", f"/beheer/sessies/{s}/stand", None),
        ("post", f"/beheer/sessies/{s}/deelname", {"locked": "1"}),
        ("get", f"/beheer/sessies/{s}/kopieren", None),
        (
            "post",
            f"/beheer/sessies/{s}/kopieren",
            {"title": "Kopie", "held_on": days_from_today(7).isoformat()},
        ),
        ("get", f"/beheer/sessies/{s}/rondes/nieuw", None),
        ("post", f"/beheer/sessies/{s}/rondes/nieuw", {"source": "own", "items_text": "A\nB"}),
        ("post", f"/beheer/sessies/{s}/gespreksleiders", {"email": "ander@hhu.test"}),
        ("get", f"/beheer/rondes/{draft}/bewerken", None),
        ("post", f"/beheer/rondes/{draft}/bewerken", {"title": "Gekaapt", "mode": "full"}),
        ("post", f"/beheer/rondes/{closed}/instellingen", {"title": "Gekaapt"}),
        ("post", f"/beheer/rondes/{draft}/openen", {}),
        ("post", f"/beheer/rondes/{closed}/openen", {}),
        ("post", f"/beheer/rondes/{closed}/sluiten", {}),
        ("post", f"/beheer/rondes/{draft}/verwijderen", {}),
        ("get", f"/import/ronde/{closed}", None),
        ("post", f"/import/ronde/{closed}", {"file": (io.BytesIO(csv), "papier.csv")}),
    ]


def _export_routes(app, ids):
    from flask import url_for

    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("exports.") or "agenda" in rule.endpoint:
                continue
            args = {}
            if "round_id" in rule.arguments:
                args["round_id"] = ids["closed"]
            if "session_id" in rule.arguments:
                args["session_id"] = ids["session_id"]
            if "table_name" in rule.arguments:
                args["table_name"] = "stemmen"
            routes.append(("get", url_for(rule.endpoint, **args), None))
    assert len(routes) >= 8
    return routes


def test_another_facilitator_gets_a_403_everywhere_and_changes_nothing(
    app, make_user, owned, stored, caplog
):
    other = _client_as(app, make_user, OTHER)
    before = stored()
    caplog.set_level(logging.WARNING, logger="hhu_ranking.views.access")
    for method, path, data in _facilitator_routes(owned) + _export_routes(app, owned):
        response = getattr(other, method)(path, data=data)
        assert response.status_code == 403, (method, path, response.status_code)
        assert REFUSED in _text(response), path
    assert stored() == before
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused: user")]
    assert len(refusals) == len(_facilitator_routes(owned)) + len(_export_routes(app, owned))


def test_the_owner_an_admin_and_an_added_co_facilitator_may_run_it(app, make_user, owned):
    owner = app.test_client()
    assert owner.post("/auth/login", data={"email": OWNER, "password": PASSWORD}).status_code == 302
    admin = _client_as(app, make_user, "beheer@hhu.test", role=Role.ADMIN, name="Beheer")
    colleague = _client_as(app, make_user, OTHER)
    page = f"/beheer/sessies/{owned['session_id']}"
    assert owner.get(page).status_code == 200
    assert admin.get(page).status_code == 200
    assert colleague.get(page).status_code == 403

    added = owner.post(f"{page}/gespreksleiders", data={"email": OTHER.upper()})
    assert added.status_code == 302
    assert "Ander kan deze sessie nu ook beheren." in _text(owner.get(page))
    assert colleague.get(page).status_code == 200
    assert colleague.post(f"/beheer/rondes/{owned['draft']}/openen").status_code in (200, 302)
    again = owner.post(f"{page}/gespreksleiders", data={"email": OTHER}, follow_redirects=True)
    assert "Ander beheert deze sessie al." in _text(again)
    unknown = owner.post(
        f"{page}/gespreksleiders", data={"email": "x@hhu.test"}, follow_redirects=True
    )
    assert "Er is geen actief account met dit e-mailadres." in _text(unknown)


def test_the_kerngroep_exports_any_session_but_runs_only_its_own(app, make_user, owned):
    kern = _client_as(app, make_user, KERNGROEP["email"], role=Role.KERNGROEP, name="Kees")
    for _method, path, _data in _export_routes(app, owned):
        assert kern.get(path).status_code == 200, path
    assert kern.get(f"/beheer/sessies/{owned['session_id']}").status_code == 403
    assert kern.post(f"/beheer/rondes/{owned['closed']}/openen").status_code == 403


def test_the_dashboard_names_only_the_sessions_a_facilitator_may_run(app, make_user, owned):
    title = "Sessie van de eigenaar"
    owner = app.test_client()
    assert owner.post("/auth/login", data={"email": OWNER, "password": PASSWORD}).status_code == 302
    colleague = _client_as(app, make_user, OTHER)
    admin = _client_as(app, make_user, "beheer@hhu.test", role=Role.ADMIN, name="Beheer")
    kern = _client_as(app, make_user, KERNGROEP["email"], role=Role.KERNGROEP, name="Kees")
    assert title in _text(owner.get("/beheer/"))
    assert title not in _text(colleague.get("/beheer/"))
    assert title in _text(admin.get("/beheer/"))
    assert title in _text(kern.get("/beheer/"))  # it may export every session
    owner.post(f"/beheer/sessies/{owned['session_id']}/gespreksleiders", data={"email": OTHER})
    assert title in _text(colleague.get("/beheer/"))
