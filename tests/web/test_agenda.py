"""The kerngroep adopts outcome items into a coalition's agenda; every change is logged."""

from __future__ import annotations

import pytest
from clock import SESSION_DAY, SESSION_DAY_ISO
from factories import KERNGROEP, adopt_form, close_round, open_round, outcomes, revote, run_round
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import AgendaChange, AgendaEntry, Coalition

ORDERS = [[0, 1, 2], [0, 2, 1], [1, 0, 2]]


@pytest.fixture
def closed_round(app, make_session):
    ids = make_session()
    ids["participants"] = run_round(app, ids["round_id"], ORDERS)
    ids["outcome_id"] = outcomes(app, ids["round_id"])[0]["id"]
    return ids


def _entries(app):
    with app.app_context():
        rows = db.session.scalars(
            select(AgendaEntry).order_by(AgendaEntry.coalition_id, AgendaEntry.position)
        ).all()
        db.session.expunge_all()
        return rows


def _changes(app, entry_id):
    with app.app_context():
        rows = db.session.scalars(
            select(AgendaChange).where(AgendaChange.entry_id == entry_id).order_by(AgendaChange.id)
        ).all()
        return [(c.field, c.old_value, c.new_value, c.user_name) for c in rows]


def test_adopting_creates_an_entry_with_its_provenance(app, client, login, closed_round):
    login(**KERNGROEP)
    item_id = closed_round["item_ids"][0]
    url = f"/agenda/overnemen/{closed_round['outcome_id']}/{item_id}"
    form = client.get(url)
    assert form.status_code == 200
    # the session's year as default
    assert f'value="{SESSION_DAY.year}"' in form.get_data(as_text=True)

    response = client.post(url, data=adopt_form(app))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agenda/coalitie/wijkgerichte-preventie")

    [entry] = _entries(app)
    assert (entry.title, entry.year, entry.status.value) == ("Mensgericht", 2026, "proposed")
    assert entry.owner == "Trekker Wijkgerichte preventie"
    assert (entry.source_session_title, entry.source_round_title) == (
        "Netwerkbijeenkomst",
        "Waarden",
    )
    assert entry.source_held_on.isoformat() == SESSION_DAY_ISO
    assert (entry.source_rank, entry.source_item_count, entry.source_ballot_count) == (1, 3, 3)
    assert entry.source_kendall_w is not None
    assert entry.source_outcome_version == 1
    assert _changes(app, entry.id)[0][0] == "created"
    assert _changes(app, entry.id)[0][3] == "Kees Kerngroep"

    page = client.get("/agenda/coalitie/wijkgerichte-preventie").get_data(as_text=True)
    for expected in (
        "Mensgericht",
        "Netwerkbijeenkomst",
        "ronde ‘Waarden’",
        "plaats 1 van 3",
        "3 stemmen",
        "W = ",
        "Voorgesteld",
    ):
        assert expected in page, expected
    overview = client.get("/agenda/").get_data(as_text=True)
    assert "Mensgericht" in overview and "plaats 1 van 3" in overview


def test_provenance_survives_a_later_round_and_outcome(app, client, login, closed_round):
    login(**KERNGROEP)
    item_id = closed_round["item_ids"][0]
    client.post(f"/agenda/overnemen/{closed_round['outcome_id']}/{item_id}", data=adopt_form(app))

    # the room changes its mind: Mensgericht drops to last place in version 2
    open_round(app, closed_round["round_id"])
    for participant in closed_round["participants"]:
        revote(app, closed_round["round_id"], participant, [2, 1, 0])
    close_round(app, closed_round["round_id"])
    old, new = outcomes(app, closed_round["round_id"])
    assert new["data"]["methods"]["kemeny"]["ranking"][-1] == [item_id]

    [entry] = _entries(app)
    assert (entry.source_rank, entry.source_outcome_version, entry.outcome_id) == (1, 1, old["id"])
    page = client.get(f"/agenda/punt/{entry.id}").get_data(as_text=True)
    assert "plaats 1 van 3" in page
    assert f"/uitkomsten/{old['id']}" in page


def test_reordering_is_logged_with_who_and_works_with_and_without_htmx(
    app, client, login, closed_round
):
    login(**KERNGROEP)
    for item_id in closed_round["item_ids"]:
        response = client.post(
            f"/agenda/overnemen/{closed_round['outcome_id']}/{item_id}", data=adopt_form(app)
        )
        assert response.status_code == 302
    first, second, third = _entries(app)
    assert [e.position for e in (first, second, third)] == [0, 1, 2]

    # without JavaScript: a form post that redirects back
    response = client.post(f"/agenda/punt/{third.id}/verplaatsen", data={"direction": "up"})
    assert response.status_code == 302
    assert [e.id for e in _entries(app)] == [first.id, third.id, second.id]
    assert ("position", "3", "2", "Kees Kerngroep") in _changes(app, third.id)
    assert ("position", "2", "3", "Kees Kerngroep") in _changes(app, second.id)

    # with htmx: only the coalition's list comes back, with a spoken confirmation
    response = client.post(
        f"/agenda/punt/{third.id}/verplaatsen",
        data={"direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert f'id="coalition-{third.coalition_id}-entries"' in fragment
    assert "staat nu op plaats 1" in fragment
    assert [e.id for e in _entries(app)] == [third.id, first.id, second.id]
    # the moved button keeps its id, so htmx gives focus back to it
    assert f'id="up-{third.id}"' in fragment

    # the top entry cannot go higher: nothing changes, nothing is logged
    before = len(_changes(app, third.id))
    client.post(f"/agenda/punt/{third.id}/verplaatsen", data={"direction": "up"})
    assert len(_changes(app, third.id)) == before

    page = client.get(f"/agenda/punt/{third.id}").get_data(as_text=True)
    assert "Kees Kerngroep" in page and "Plaats" in page


def test_status_and_owner_changes_are_logged(app, client, login, closed_round):
    login(**KERNGROEP)
    client.post(
        f"/agenda/overnemen/{closed_round['outcome_id']}/{closed_round['item_ids'][1]}",
        data=adopt_form(app),
    )
    [entry] = _entries(app)
    response = client.post(
        f"/agenda/punt/{entry.id}",
        data=adopt_form(app, status="in_progress", owner="Fatima (GGD Regio Utrecht)"),
    )
    assert response.status_code == 302
    changes = _changes(app, entry.id)
    assert ("status", "proposed", "in_progress", "Kees Kerngroep") in changes
    assert (
        "owner",
        "Trekker Wijkgerichte preventie",
        "Fatima (GGD Regio Utrecht)",
        "Kees Kerngroep",
    ) in changes
    assert not any(field == "note" for field, *_ in changes)  # unchanged fields are not logged

    page = client.get(f"/agenda/punt/{entry.id}").get_data(as_text=True)
    log = page.split("Wijzigingen")[-1]
    assert "Bezig" in log and "Voorgesteld" in log and "Fatima (GGD Regio Utrecht)" in log


def test_moving_to_another_coalition_puts_it_last_there(app, client, login, closed_round):
    login(**KERNGROEP)
    for item_id in closed_round["item_ids"][:2]:
        client.post(
            f"/agenda/overnemen/{closed_round['outcome_id']}/{item_id}", data=adopt_form(app)
        )
    first, second = _entries(app)
    client.post(
        f"/agenda/punt/{first.id}", data=adopt_form(app, coalition="digitale-transformatie")
    )
    entries = {e.id: e for e in _entries(app)}
    assert entries[second.id].position == 0  # the old list closed the gap
    assert entries[first.id].position == 0
    assert (
        "coalition",
        "Wijkgerichte preventie",
        "Digitale transformatie",
        "Kees Kerngroep",
    ) in _changes(app, first.id)


def test_facilitators_can_read_but_not_change_the_agenda(
    app, client, login, make_user, closed_round
):
    # the kerngroep adopts one item first
    kern = app.test_client()
    make_user(**KERNGROEP)
    kern.post("/auth/login", data={"email": KERNGROEP["email"], "password": KERNGROEP["password"]})
    adopt_url = f"/agenda/overnemen/{closed_round['outcome_id']}/{closed_round['item_ids'][0]}"
    assert kern.post(adopt_url, data=adopt_form(app)).status_code == 302
    [entry] = _entries(app)

    login()  # a facilitator
    assert client.get("/agenda/").status_code == 200
    page = client.get(f"/agenda/punt/{entry.id}")
    assert page.status_code == 200
    assert "Opslaan" not in page.get_data(as_text=True)
    coalition_page = client.get("/agenda/coalitie/wijkgerichte-preventie").get_data(as_text=True)
    assert "verplaatsen" not in coalition_page

    assert client.get(adopt_url).status_code == 403
    assert client.post(adopt_url, data=adopt_form(app)).status_code == 403
    assert (
        client.post(f"/agenda/punt/{entry.id}/verplaatsen", data={"direction": "down"}).status_code
        == 403
    )
    assert (
        client.post(f"/agenda/punt/{entry.id}", data=adopt_form(app, status="done")).status_code
        == 403
    )
    assert client.post("/agenda/coalities", data={"name": "Nieuw"}).status_code == 403
    assert len(_entries(app)) == 1
    assert _entries(app)[0].status.value == "proposed"


def test_the_kerngroep_can_add_a_coalition_and_adopt_into_it(app, client, login, closed_round):
    login(**KERNGROEP)
    response = client.post(
        "/agenda/coalities",
        data={"name": "Gezonde leefomgeving", "description": "Groen en bewegen"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agenda/coalitie/gezonde-leefomgeving")
    response = client.post(
        f"/agenda/overnemen/{closed_round['outcome_id']}/{closed_round['item_ids'][2]}",
        data=adopt_form(app, coalition="gezonde-leefomgeving"),
    )
    assert response.status_code == 302
    page = client.get("/agenda/").get_data(as_text=True)
    assert "Gezonde leefomgeving" in page and "Regiobreed" in page
    # the same name twice is refused
    client.post("/agenda/coalities", data={"name": "gezonde leefomgeving"})
    with app.app_context():
        assert (
            db.session.scalar(
                select(Coalition).where(Coalition.name.ilike("gezonde leefomgeving%"))
            )
            is not None
        )
        assert len(db.session.scalars(select(Coalition)).all()) == 4


def test_adopting_checks_year_and_duplicates(app, client, login, closed_round):
    login(**KERNGROEP)
    url = f"/agenda/overnemen/{closed_round['outcome_id']}/{closed_round['item_ids'][0]}"
    response = client.post(url, data=adopt_form(app, year=2030))  # Meters Maken ends 2026
    assert response.status_code == 422
    assert "2023 tot en met 2026" in response.get_data(as_text=True)
    assert _entries(app) == []

    assert client.post(url, data=adopt_form(app)).status_code == 302
    again = client.post(url, data=adopt_form(app))
    assert again.status_code == 422
    assert "staat al op de agenda" in again.get_data(as_text=True)
    assert len(_entries(app)) == 1
