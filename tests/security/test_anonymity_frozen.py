"""Class 20 (anonymity): once a round has ballots its anonymity is frozen, the ballot page
tells participants which it is, and exports follow the flag frozen in the outcome."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from factories import join, open_round, parse_html, voted_session

from hhu_ranking.extensions import db
from hhu_ranking.models import Outcome, Round

NAMES = ["Jan Jansen", "Fatima Bakker", "Piet Peters", "Ans Smit"]
FROZEN = "ligt vast zodra er stemmen zijn"


def _settings(client: Any, round_id: int, *, anonymous: bool) -> Any:
    data = {"title": "Waarden", "results_live": "y"}
    if anonymous:
        data["anonymous"] = "y"
    return client.post(f"/beheer/rondes/{round_id}/instellingen", data=data)


def _exported_ballots(client: Any, round_id: int) -> list[list[str]]:
    response = client.get(f"/export/ronde/{round_id}/stemmen.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _anonymous(app: Any, round_id: int) -> bool:
    with app.app_context():
        return db.session.get(Round, round_id).anonymous


def test_after_close_turning_anonymity_off_is_refused_and_the_export_has_no_names(
    app, client, login
):
    login()
    voted = voted_session(app, anonymous=True, names=NAMES)
    response = _settings(client, voted["round_id"], anonymous=False)
    assert response.status_code == 409
    assert FROZEN in parse_html(response).get_text(" ")
    assert _anonymous(app, voted["round_id"]) is True
    rows = _exported_ballots(client, voted["round_id"])
    assert "Naam" not in rows[0]
    assert len(rows) == 1 + len(NAMES)
    exported = " ".join(" ".join(row) for row in rows)
    assert not any(name in exported for name in NAMES)


def test_a_named_round_cannot_become_anonymous_after_voting_either(app, client, login):
    login()
    voted = voted_session(app, anonymous=False, names=NAMES, close=False)
    assert _settings(client, voted["round_id"], anonymous=True).status_code == 409
    assert _anonymous(app, voted["round_id"]) is False
    # the settings form no longer offers the switch, and keeps the flag when saved
    page = parse_html(client.get(f"/beheer/rondes/{voted['round_id']}/bewerken"))
    assert page.select_one("input[type=checkbox][name=anonymous]") is None
    assert "Ronde op naam" in page.select_one("#anonymity-frozen").get_text()
    response = client.post(
        f"/beheer/rondes/{voted['round_id']}/instellingen", data={"title": "Nieuwe titel"}
    )
    assert response.status_code == 302  # no checkbox posted: still named, the title saved
    assert _anonymous(app, voted["round_id"]) is False
    client.post(f"/beheer/rondes/{voted['round_id']}/sluiten")
    rows = _exported_ballots(client, voted["round_id"])
    assert "Naam" in rows[0]  # the control: a named round's export does carry names
    assert {row[rows[0].index("Naam")] for row in rows[1:]} == set(NAMES)


def test_before_the_first_ballot_the_facilitator_may_still_choose(app, client, login, make_session):
    login()
    ids = make_session()
    open_round(app, ids["round_id"])
    assert _settings(client, ids["round_id"], anonymous=False).status_code == 302
    assert _anonymous(app, ids["round_id"]) is False
    page = parse_html(client.get(f"/beheer/rondes/{ids['round_id']}/bewerken"))
    assert page.select_one("input[type=checkbox][name=anonymous]") is not None


def test_the_export_follows_the_flag_frozen_in_the_outcome(app, client, login):
    """Even if the round's flag were changed behind the app's back (as the old bug allowed)."""
    login()
    voted = voted_session(app, anonymous=True, names=NAMES)
    with app.app_context():
        assert db.session.get(Outcome, voted["outcome_id"]).anonymous is True
        db.session.get(Round, voted["round_id"]).anonymous = False
        db.session.commit()
    rows = _exported_ballots(client, voted["round_id"])
    assert "Naam" not in rows[0]
    json_export = client.get(f"/export/ronde/{voted['round_id']}.json").get_json()
    assert json_export["round"]["anonymous"] is True
    assert all("name" not in ballot for ballot in json_export["ballots"])


@pytest.mark.parametrize(
    ("anonymous", "said"),
    [(True, "Anonieme ronde: je naam staat nergens bij je stem."), (False, "Ronde op naam")],
)
def test_the_ballot_page_tells_the_participant(app, make_session, anonymous, said):
    ids = make_session()
    with app.app_context():
        db.session.get(Round, ids["round_id"]).anonymous = anonymous
        db.session.commit()
    open_round(app, ids["round_id"])
    phone = app.test_client()
    join(phone, app, ids["code"])
    line = parse_html(phone.get(f"/j/{ids['code']}/stem")).select_one("#round-anonymity")
    assert said in line.get_text()
