"""Class 8 and the end of class 9: ballot stuffing by clearing cookies, and old sessions.

An anonymous join cannot tell a person from one who cleared their cookies (SECURITY.md); what
the facilitator has: joined against voted on the session page, locking joining, a cap on
participants (race-safe), and a roster of named organisations. A session stops being
joinable ``JOIN_CLOSES_AFTER_HOURS`` after it ended."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from clock import days_from_today
from factories import (
    close_round,
    join,
    open_round,
    parse_html,
    participants,
    shows_ballot,
    vote,
)
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Participant, RankingSession
from hhu_ranking.services import sessions as session_service
from hhu_ranking.services.errors import ServiceError


def _text(response: Any) -> str:
    return parse_html(response).get_text(" ", strip=True)


def _set(app: Any, session_id: int, **values: Any) -> None:
    with app.app_context():
        ranking_session = db.session.get(RankingSession, session_id)
        for name, value in values.items():
            setattr(ranking_session, name, value)
        db.session.commit()


# --- joined against voted, and the lock ----------------------------------------------------


def test_the_facilitator_sees_joined_against_voted_and_can_lock_joining(
    app, login, make_session, stored
):
    ids = make_session()
    phones = [app.test_client() for _ in range(3)]
    for phone in phones:
        assert shows_ballot(join(phone, app, ids["code"]))
    open_round(app, ids["round_id"])
    vote(phones[0], ids["code"], ids["round_id"], ids["item_ids"])
    facilitator = login()
    page = _text(facilitator.get(f"/beheer/sessies/{ids['session_id']}"))
    assert "3 deelnemers doen mee" in page
    assert "1 van de 3 hebben gestemd" in page
    facilitator.post(f"/beheer/sessies/{ids['session_id']}/deelname", data={"locked": "1"})
    before = stored()
    refused = join(app.test_client(), app, ids["code"])
    assert refused.status_code == 403
    assert "gesloten voor nieuwe deelnemers" in _text(refused)
    assert stored() == before


# --- the cap ---------------------------------------------------------------------------------


def test_a_full_session_refuses_the_next_join_with_a_clear_message(app, make_session, stored):
    ids = make_session()
    _set(app, ids["session_id"], max_participants=2)
    assert all(shows_ballot(join(app.test_client(), app, ids["code"])) for _ in range(2))
    before = stored()
    refused = join(app.test_client(), app, ids["code"])
    assert refused.status_code == 403
    assert "Deze sessie is vol: er doen al 2 deelnemers mee" in _text(refused)
    assert stored() == before


def test_the_cap_holds_when_many_phones_join_at_once(app, make_session):
    ids = make_session()
    _set(app, ids["session_id"], max_participants=3)
    statuses: list[int] = []
    start = threading.Barrier(8)

    def phone() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(join(client, app, ids["code"]).status_code)

    threads = [threading.Thread(target=phone) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 3 + [403] * 5
    assert len(participants(app, ids["session_id"])) == 3


# --- the roster ------------------------------------------------------------------------------


def test_with_a_roster_only_its_organisations_can_join(app, make_session, stored):
    ids = make_session()
    _set(
        app,
        ids["session_id"],
        join_roster=["Gemeente Utrecht", "Buurtteam Overvecht"],
        quick_roles=True,
    )
    page = app.test_client().get(f"/j/{ids['code']}")
    options = [o["value"] for o in parse_html(page).select("datalist option")]
    assert options == ["Buurtteam Overvecht", "Gemeente Utrecht"]
    assert "Ik woon hier" not in _text(page)  # no one-tap role past the roster
    assert shows_ballot(join(app.test_client(), app, ids["code"], organisation="gemeente  utrecht"))
    assert shows_ballot(
        join(app.test_client(), app, ids["code"], organisation="Buurtteam overvecht")
    )
    before = stored()
    for organisation in ("UMC Utrecht", "Iets anders", ""):
        refused = join(app.test_client(), app, ids["code"], organisation=organisation)
        assert refused.status_code in (400, 422), organisation
        assert "Kies je organisatie" in _text(refused)
    resident = app.test_client().post(f"/j/{ids['code']}", data={"quick": "inwoner"})
    assert resident.status_code == 422
    assert stored() == before
    with app.app_context():
        joined = sorted(
            (p.organisation.name if p.organisation else "", p.organisation_other or "")
            for p in db.session.scalars(
                select(Participant).where(Participant.session_id == ids["session_id"])
            )
        )
    # a roster name that is a partner counts as that partner
    assert joined == [("", "Buurtteam Overvecht"), ("Gemeente Utrecht", "")]


def test_the_facilitator_sets_the_cap_and_the_roster(app, login, make_session):
    ids = make_session()
    facilitator = login()
    url = f"/beheer/sessies/{ids['session_id']}/meedoen-beperken"
    saved = facilitator.post(
        url,
        data={
            "max_participants": "40",
            "roster": "Gemeente Utrecht\n\n  UMC   Utrecht \ngemeente utrecht\nAl\u200bpha",
        },
        follow_redirects=True,
    )
    assert "Opgeslagen" in _text(saved)
    with app.app_context():
        ranking_session = db.session.get(RankingSession, ids["session_id"])
        assert ranking_session.max_participants == 40
        assert ranking_session.join_roster == ["Gemeente Utrecht", "UMC Utrecht", "Alpha"]
    page = facilitator.get(f"/beheer/sessies/{ids['session_id']}")
    assert parse_html(page).select_one("#max_participants")["value"] == "40"
    for bad in ("0", "-3", "²", "9" * 30):
        refused = facilitator.post(url, data={"max_participants": bad, "roster": ""})
        assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(RankingSession, ids["session_id"]).max_participants == 40
    # empty fields: no cap and no roster again
    facilitator.post(url, data={"max_participants": "", "roster": ""})
    with app.app_context():
        ranking_session = db.session.get(RankingSession, ids["session_id"])
        assert (ranking_session.max_participants, ranking_session.join_roster) == (None, None)


def test_a_roster_is_bounded(app):
    with pytest.raises(ServiceError):
        session_service.parse_roster("\n".join(f"Organisatie {n}" for n in range(301)))
    with pytest.raises(ServiceError):
        session_service.parse_roster("x" * 201)


# --- a session that ended --------------------------------------------------------------------


def test_a_session_stops_being_joinable_after_it_ended(app, make_session, stored):
    app.config["JOIN_CLOSES_AFTER_HOURS"] = 12
    ids = make_session()
    _set(app, ids["session_id"], held_on=days_from_today(-2))
    before = stored()
    page = app.test_client().get(f"/j/{ids['code']}")
    assert page.status_code == 403
    assert "Deze sessie is afgelopen" in _text(page)
    assert parse_html(page).select_one("form button[type=submit]") is None
    refused = join(app.test_client(), app, ids["code"])
    assert refused.status_code == 403
    assert stored() == before
    # opening a round runs the session again, and then its last close counts
    open_round(app, ids["round_id"])
    assert shows_ballot(join(app.test_client(), app, ids["code"]))
    close_round(app, ids["round_id"])
    assert shows_ballot(join(app.test_client(), app, ids["code"]))
    with time_machine.travel(timedelta(hours=12, minutes=1)):
        assert join(app.test_client(), app, ids["code"]).status_code == 403


def test_a_session_of_today_or_later_is_joinable_and_the_closing_can_be_switched_off(
    app, make_session
):
    app.config["JOIN_CLOSES_AFTER_HOURS"] = 0
    ids = make_session()
    _set(app, ids["session_id"], held_on=days_from_today(0))
    assert shows_ballot(join(app.test_client(), app, ids["code"]))
    _set(app, ids["session_id"], held_on=days_from_today(-400))
    assert join(app.test_client(), app, ids["code"]).status_code == 403
    app.config["JOIN_CLOSES_AFTER_HOURS"] = -1
    assert shows_ballot(join(app.test_client(), app, ids["code"]))


def test_the_default_closes_joining_twelve_hours_after_the_end():
    from pathlib import Path

    from hhu_ranking.config import build_config

    config = build_config(Path("/srv/hhu/instance"), {"SECRET_KEY": "x" * 40})
    assert config["JOIN_CLOSES_AFTER_HOURS"] == 12
