"""Closing a round freezes an outcome: every method, the agreement, a digest of the ballots."""

from __future__ import annotations

import hashlib
import json

import pytest
from clock import SESSION_DAY_ISO
from factories import KERNGROEP, close_round, open_round, outcomes, revote, run_round
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from hhu_ranking.aggregation import AGGREGATION_VERSION
from hhu_ranking.extensions import db
from hhu_ranking.models import BallotMode, Outcome, OutcomeImmutableError
from hhu_ranking.services import outcomes as outcome_service
from hhu_ranking.services.summaries import outcome_as_dict

ORDERS = [[0, 1, 2], [0, 2, 1], [1, 0, 2]]
ALL_METHODS = {"borda", "kemeny", "schulze", "copeland", "ranked-pairs"}


def test_closing_a_round_freezes_an_outcome_with_every_method(app, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], ORDERS)

    [outcome] = outcomes(app, ids["round_id"])
    data = outcome["data"]
    assert outcome["version_number"] == 1
    assert outcome["ballot_count"] == 3
    assert outcome["weighting"] == "equal"
    assert outcome["aggregation_version"] == AGGREGATION_VERSION
    assert set(data["methods"]) == ALL_METHODS
    for method in ALL_METHODS:
        ranked = [item for tier in data["methods"][method]["ranking"] for item in tier]
        assert sorted(ranked) == sorted(ids["item_ids"]), method
        assert set(data["methods"][method]["scores"]) == {str(i) for i in ids["item_ids"]}
    # "Mensgericht" is first on two of three ballots and second on the third
    assert data["methods"]["kemeny"]["ranking"][0] == [ids["item_ids"][0]]
    assert data["agreement"]["kendall_w"] is not None
    assert data["agreement"]["p_value"] is not None
    assert set(data["item_stats"]) == {str(i) for i in ids["item_ids"]}
    assert data["analysis"]["version"] == AGGREGATION_VERSION

    # the canonical ballots: sorted by participant, item ids in order, compact sorted JSON
    expected = json.dumps(
        [
            {"participant_id": p, "ranking": [ids["item_ids"][i] for i in order]}
            for p, order in sorted(zip(participants, ORDERS, strict=True))
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    assert outcome["canonical_ballots"] == expected
    assert outcome["ballots_digest"] == hashlib.sha256(expected.encode()).hexdigest()


def test_the_facilitator_close_button_freezes_the_outcome(app, client, login, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS, close=False)
    login()
    response = client.post(f"/beheer/rondes/{ids['round_id']}/sluiten")
    assert response.status_code in (200, 302, 303)
    [outcome] = outcomes(app, ids["round_id"])
    assert outcome["ballot_count"] == 3


def test_reopening_and_closing_makes_version_2_and_keeps_version_1(app, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], ORDERS)
    [first] = outcomes(app, ids["round_id"])

    open_round(app, ids["round_id"])
    revote(app, ids["round_id"], participants[0], [2, 1, 0])
    revote(app, ids["round_id"], participants[1], [2, 0, 1])
    close_round(app, ids["round_id"])

    old, new = outcomes(app, ids["round_id"])
    assert (old["version_number"], new["version_number"]) == (1, 2)
    assert old == first  # byte for byte
    assert new["canonical_ballots"] != old["canonical_ballots"]
    assert new["ballots_digest"] != old["ballots_digest"]
    assert new["data"]["methods"]["kemeny"]["ranking"][0] != [ids["item_ids"][0]]


def test_a_stored_outcome_cannot_be_changed(app, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    with app.app_context():
        stored = db.session.get(Outcome, outcome["id"])
        stored.ballot_count = 99
        with pytest.raises(OutcomeImmutableError):
            db.session.flush()
        db.session.rollback()
        # the database refuses too, for anyone who bypasses the app
        with pytest.raises(DBAPIError):
            db.session.execute(
                update(Outcome).where(Outcome.id == outcome["id"]).values(result="{}")
            )
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE outcome SET ballots_digest = 'x'"))
        db.session.rollback()
    assert outcomes(app, ids["round_id"]) == [outcome]


def test_outcome_page_explains_the_result_on_one_screen(app, client, login, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    login()

    response = client.get(f"/uitkomsten/ronde/{ids['round_id']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/uitkomsten/{outcome['id']}")

    page = client.get(f"/uitkomsten/{outcome['id']}").get_data(as_text=True)
    for expected in (
        "Mensgericht",
        "Missiegedreven",
        "Regiobreed",
        "Kemeny-Young",
        "Borda",
        "Schulze",
        "Copeland",
        "Ranked pairs",
        "Kendall",
        outcome["ballots_digest"],
        AGGREGATION_VERSION,
        "Versie 1",
    ):
        assert expected in page, expected
    assert "Mensgericht" in page.split("<tbody>")[1].split("</tr>")[0]  # first row
    # a facilitator looks; only the kerngroep adopts into the agenda
    assert "/agenda/overnemen/" not in page


def test_kerngroep_sees_the_adopt_buttons(app, client, login, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    login(**KERNGROEP)
    page = client.get(f"/uitkomsten/{outcome['id']}").get_data(as_text=True)
    assert page.count("/agenda/overnemen/") == 3


def test_an_older_version_says_so_and_links_the_newest(app, client, login, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], ORDERS)
    open_round(app, ids["round_id"])
    revote(app, ids["round_id"], participants[0], [2, 1, 0])
    close_round(app, ids["round_id"])
    old, new = outcomes(app, ids["round_id"])
    login()
    page = client.get(f"/uitkomsten/{old['id']}").get_data(as_text=True)
    assert "eerdere versie" in page
    assert f"/uitkomsten/{new['id']}" in page
    assert f"/uitkomsten/vergelijken?a={old['id']}&amp;b={new['id']}" in page


def test_a_round_closed_without_ballots_keeps_an_empty_outcome(app, client, login, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], [])
    [outcome] = outcomes(app, ids["round_id"])
    assert outcome["ballot_count"] == 0
    assert outcome["canonical_ballots"] == "[]"
    assert outcome["data"]["methods"] == {}
    login()
    page = client.get(f"/uitkomsten/{outcome['id']}").get_data(as_text=True)
    assert "zonder stemmen" in page


def test_top_k_rounds_freeze_too(app, make_session):
    ids = make_session(items=("A", "B", "C", "D"), mode=BallotMode.TOP_K, top_k=2)
    run_round(app, ids["round_id"], [[0, 1], [1, 0], [0, 2]])
    [outcome] = outcomes(app, ids["round_id"])
    assert outcome["data"]["methods"]["kemeny"]["ranking"][0] == [ids["item_ids"][0]]


def test_outcome_as_dict_is_json_with_ballots_and_digest(app, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    with app.app_context():
        outcome = outcome_service.latest_outcome(db.session, ids["round_id"])
        document = json.loads(json.dumps(outcome_as_dict(outcome)))
    assert (
        document["ballots_digest"]
        == hashlib.sha256(
            json.dumps(document["ballots"], sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
    )
    assert document["session"]["held_on"] == SESSION_DAY_ISO
    assert document["result"]["methods"]["kemeny"]["ranking"][0] == [ids["item_ids"][0]]
    assert "token" not in json.dumps(document)


def test_outcome_pages_need_a_login(app, client, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    response = client.get(f"/uitkomsten/{outcome['id']}")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_the_freezing_time_is_shown_on_the_room_s_clock(app, client, login, make_session):
    """Frozen at 17:36 UTC on a November evening is 18:36 in Utrecht; the page must say 18:36."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    with app.app_context():
        frozen_at = db.session.get(Outcome, outcome["id"]).frozen_at
    if frozen_at.tzinfo is None:  # SQLite hands back naive UTC
        frozen_at = frozen_at.replace(tzinfo=UTC)
    in_utrecht = frozen_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    local = in_utrecht.strftime("%H:%M")
    utc = frozen_at.astimezone(UTC).strftime("%H:%M")
    assert local != utc  # Amsterdam is one or two hours ahead, all year
    login()
    page = client.get(f"/uitkomsten/{outcome['id']}").get_data(as_text=True)
    assert f"vastgelegd {in_utrecht:%d-%m-%Y}, {local}" in page
    assert utc not in page
