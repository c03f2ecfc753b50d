"""Each organisation one voice: chosen per round, frozen in the outcome, verified again.

Items A = Mensgericht, B = Regiobreed, C = Zelfsturend. UMC Utrecht brings three
people who vote A, B, C; RIVM and TNO one each, voting B, C, A.

Each person one voice: Borda (2, 1, 0) B 7, A 6, C 2 (B, A, C).
Each organisation one voice: UMC's three ballots weigh 1/3 each, so Borda is
A 2, B 1 + 2 + 2 = 5, C 1 + 1 = 2 (B 1, A and C 2=), and the pairwise
majorities B > A 2 : 1, B > C 3 : 0, C > A 2 : 1 make the Kemeny consensus
B, C, A (with each person one voice it is A, B, C: A beats B 3 : 2).
"""

from __future__ import annotations

import json

from factories import parse_html, texts, voted_session
from sqlalchemy import update

from hhu_ranking.extensions import db
from hhu_ranking.models import Outcome, Participant, Round
from hhu_ranking.services import rounds

ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")
ORDERS = ([0, 1, 2],) * 3 + ([1, 2, 0],) * 2
ORGANISATIONS = ["UMC Utrecht"] * 3 + ["RIVM", "TNO"]


def _closed(app, weighting):
    ids = voted_session(
        app, items=ITEMS, orders=ORDERS, organisations=ORGANISATIONS, weighting=weighting
    )
    with app.app_context():
        outcome = db.session.get(Outcome, ids["outcome_id"])
        ids["outcome"] = (outcome.weighting, json.loads(outcome.result))
    return ids


def test_one_voice_per_organisation_is_frozen_shown_and_verified(app, client, runner):
    ids = _closed(app, "organisation")
    weighting, result = ids["outcome"]
    assert weighting == "organisation"
    assert result["parameters"]["weighting"] == "organisation"
    a, b, c = ids["item_ids"]
    assert result["methods"]["kemeny"]["ranking"] == [[b], [c], [a]]
    assert result["methods"]["borda"]["scores"] == {str(a): 2.0, str(b): 5.0, str(c): 2.0}

    body = client.get(f"/scherm/{ids['code']}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert texts(body, '[data-result="kemeny"] .item-title') == [
        "Regiobreed",
        "Zelfsturend",
        "Mensgericht",
    ]
    places = texts(body, '[data-result="borda"] .place')
    assert places == ["1", "2=", "2="]
    line = " ".join(parse_html(body).select_one('[data-insight="weighting"]').get_text().split())
    assert line.startswith("Telling: één stem per organisatie.")
    # each person one voice: Zelfsturend would be 3rd instead of 2nd (Mensgericht stays 2nd)
    assert "Met één stem per persoon zou ‘Zelfsturend’ bij Borda op plaats 3 staan" in line

    assert runner.invoke(args=["verify-outcomes"]).exit_code == 0
    # the organisation a ballot was counted for is part of what is verified
    with app.app_context():
        db.session.execute(
            update(Participant)
            .where(Participant.organisation_other.is_(None))
            .values(organisation_other="Ergens anders", organisation_id=None)
        )
        db.session.commit()
    checked = runner.invoke(args=["verify-outcomes"])
    assert checked.exit_code != 0
    assert "organisatie" in checked.output


def test_each_person_one_voice_says_where_organisations_would_differ(app, client):
    ids = _closed(app, "equal")
    assert ids["outcome"][0] == "equal"
    body = client.get(f"/scherm/{ids['code']}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    line = " ".join(parse_html(body).select_one('[data-insight="weighting"]').get_text().split())
    assert line.startswith("Telling: ieder één stem.")
    assert "Met één stem per organisatie zou ‘Zelfsturend’ bij Borda op plaats 2 staan" in line


def test_the_facilitator_chooses_the_voice_per_round(app, login, make_session, client):
    ids = make_session()
    login()
    page = client.get(f"/beheer/rondes/{ids['round_id']}/bewerken").get_data(as_text=True)
    assert parse_html(page).select_one("input[name=org_voice]") is not None


def test_the_voice_is_fixed_once_the_round_is_open(app, login, client):
    ids = voted_session(app, items=ITEMS, orders=ORDERS, organisations=ORGANISATIONS, close=False)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        assert round_.weighting == "equal"
    login()
    page = client.get(f"/beheer/rondes/{ids['round_id']}/bewerken").get_data(as_text=True)
    # no switch any more, only what applies and why it stays
    assert parse_html(page).select_one("input[name=org_voice]") is None
    line = " ".join(parse_html(page).select_one("[data-weighting]").get_text().split())
    assert line.startswith("Telling: ieder één stem. Dit ligt vast sinds de ronde open is")
    # a stale tab posting the old switch changes nothing
    token = parse_html(page).select_one("input[name=csrf_token]")["value"]
    response = client.post(
        f"/beheer/rondes/{ids['round_id']}/instellingen",
        # (anonymity as it is: it is frozen too, since the round has ballots)
        data={"csrf_token": token, "title": "Waarden", "anonymous": "y", "org_voice": "y"},
    )
    assert response.status_code in (200, 302)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        assert round_.weighting == "equal"
        # and the service refuses a change outright, with a message that says why
        try:
            rounds.update_settings(
                db.session,
                round_,
                rounds.RoundSettings(
                    title="Waarden",
                    mode=round_.mode,
                    top_k=round_.top_k,
                    results_live=False,
                    anonymous=True,
                    weighting="organisation",
                ),
            )
        except rounds.ServiceError as refused:
            assert refused.status == 409
            assert "ligt vast" in str(refused)
        else:
            raise AssertionError("the weighting of an open round changed")
        # the frozen outcome keeps what applied
        rounds.close_round(db.session, round_)
        db.session.commit()
        outcome = db.session.query(Outcome).filter_by(round_id=round_.id).one()
        assert outcome.weighting == "equal"
        assert json.loads(outcome.result)["parameters"]["weighting"] == "equal"
