"""The rules that always hold for ballots sent from a phone (issue 9, classes 1, 4, 5, 6).

Class 1: duplicate, unknown or foreign items and wrong counts are a 422, nothing stored.
Class 4: a closed or draft round is a 409 and the earlier ballot stays. Class 5: another
session's round swapped in is not found (404). Class 6: a repeat counts once."""

from __future__ import annotations

import pytest
from factories import ballots, close_round, join, open_round, vote
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot, BallotMode, Participant, Round
from hhu_ranking.services.ballots import cast_ballot


@pytest.fixture
def open_session(app, client, make_session):
    ids = make_session(items=("Mensgericht", "Missiegedreven", "Regiobreed", "Zelfsturend"))
    join(client, app, ids["code"])
    open_round(app, ids["round_id"])
    return ids


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("missing item", lambda ids: ids[:3], "er ontbreken er 1"),
        ("duplicate", lambda ids: [ids[0], ids[0], ids[1], ids[2]], "maar één keer"),
        ("foreign item", lambda ids: [*ids[:3], 999_999], "niet bij deze ronde hoort"),
        ("empty", lambda ids: [], "Zet alle onderdelen in een volgorde"),
    ],
)
def test_an_invalid_ballot_gets_a_dutch_error_and_stores_nothing(
    app, client, open_session, name, build, message
):
    response = vote(
        client, open_session["code"], open_session["round_id"], build(open_session["item_ids"])
    )
    assert response.status_code == 422, name
    assert message in response.get_data(as_text=True)
    assert ballots(app, open_session["round_id"]) == []


def test_an_invalid_revision_keeps_the_previous_ballot(app, client, open_session):
    items = open_session["item_ids"]
    vote(client, open_session["code"], open_session["round_id"], items)
    response = vote(client, open_session["code"], open_session["round_id"], items[:2])
    assert response.status_code == 422
    stored = ballots(app, open_session["round_id"])
    assert [(b.ranking, b.revision) for b in stored] == [(items, 1)]


def test_an_item_of_another_round_is_refused(app, client, make_session):
    first = make_session()
    other = make_session(items=("Lachen mag", "Vrijheid in verbondenheid"))
    join(client, app, first["code"])
    open_round(app, first["round_id"])
    response = vote(
        client, first["code"], first["round_id"], [*first["item_ids"][:2], other["item_ids"][0]]
    )
    assert response.status_code == 422
    assert ballots(app, first["round_id"]) == []


def test_a_round_of_another_session_is_refused(app, client, make_session):
    mine = make_session()
    theirs = make_session()
    join(client, app, mine["code"])
    open_round(app, theirs["round_id"])
    response = vote(client, mine["code"], theirs["round_id"], theirs["item_ids"])
    assert response.status_code == 404
    assert ballots(app, theirs["round_id"]) == []


@pytest.mark.parametrize("count", [1, 3])
def test_top_k_needs_exactly_k_distinct_items(app, client, make_session, count):
    ids = make_session(items=("A", "B", "C", "D", "E"), mode=BallotMode.TOP_K, top_k=2)
    join(client, app, ids["code"])
    open_round(app, ids["round_id"])
    response = vote(client, ids["code"], ids["round_id"], ids["item_ids"][:count])
    assert response.status_code == 422
    assert "Kies precies 2 onderdelen voor je top 2" in response.get_data(as_text=True)
    assert ballots(app, ids["round_id"]) == []
    assert vote(client, ids["code"], ids["round_id"], ids["item_ids"][3:]).status_code == 302
    assert ballots(app, ids["round_id"])[0].ranking == ids["item_ids"][3:]


def test_a_closed_round_refuses_and_changes_nothing(app, client, open_session):
    items = open_session["item_ids"]
    vote(client, open_session["code"], open_session["round_id"], items)
    close_round(app, open_session["round_id"])
    response = vote(client, open_session["code"], open_session["round_id"], items[::-1])
    assert response.status_code == 409
    assert "Deze ronde is gesloten" in response.get_data(as_text=True)
    stored = ballots(app, open_session["round_id"])
    assert [(b.ranking, b.revision) for b in stored] == [(items, 1)]


def test_a_closed_round_refuses_even_an_invalid_ballot_with_the_closed_message(
    app, client, open_session
):
    close_round(app, open_session["round_id"])
    response = vote(client, open_session["code"], open_session["round_id"], [1])
    assert response.status_code == 409
    assert "Deze ronde is gesloten" in response.get_data(as_text=True)


def test_a_draft_round_refuses(app, client, make_session):
    ids = make_session()
    join(client, app, ids["code"])
    response = vote(client, ids["code"], ids["round_id"], ids["item_ids"])
    assert response.status_code == 409
    assert "nog niet geopend" in response.get_data(as_text=True)
    assert ballots(app, ids["round_id"]) == []


def test_a_refused_ballot_over_htmx_comes_back_as_a_fragment_with_the_reason(
    app, client, open_session
):
    close_round(app, open_session["round_id"])
    response = vote(
        client,
        open_session["code"],
        open_session["round_id"],
        open_session["item_ids"],
        **{"HX-Request": "true"},
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="phone-round"')
    assert "Deze ronde is gesloten" in body


def test_a_phone_that_never_joined_cannot_vote(app, client, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    response = vote(client, ids["code"], ids["round_id"], ids["item_ids"])
    assert response.status_code == 302
    assert ballots(app, ids["round_id"]) == []


def test_the_database_keeps_one_ballot_per_participant_and_round(app, client, open_session):
    """Two ballots of one phone stay one row even through the service directly."""
    vote(client, open_session["code"], open_session["round_id"], open_session["item_ids"])
    with app.app_context():
        round_ = db.session.get(Round, open_session["round_id"])
        participant = db.session.scalar(select(Participant))
        cast_ballot(db.session, round_, participant, open_session["item_ids"][::-1])
        db.session.commit()
        rows = db.session.scalars(select(Ballot)).all()
        assert len(rows) == 1 and rows[0].revision == 2
        db.session.add(
            Ballot(
                round_id=round_.id, participant_id=participant.id, ranking=open_session["item_ids"]
            )
        )
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("round_id", [10**30, -1, "x"])
def test_a_tampered_round_number_is_refused_not_a_crash(app, client, open_session, round_id):
    response = vote(client, open_session["code"], round_id, open_session["item_ids"])
    assert response.status_code == 422
    assert "Je stem kon niet worden gelezen" in response.get_data(as_text=True)
    assert ballots(app, open_session["round_id"]) == []
