"""Who thinks what: the breakdown by pillar and by tier, with its privacy floor.

18 phones; ``voted_session`` gives phone i the i-th pillar of six (so three
phones per pillar) and alternates a founder (Gemeente Utrecht) and a typed-in
organisation without a tier. The three phones of the first pillar (Praktijk en
uitvoering) vote C, B, A; everyone else A, B, C. Overall Borda: A 15*2 = 30,
B 18, C 3*2 = 6, so A, B, C. Praktijk puts A 3rd (the room: 1st), the largest
divergence; the nine founders agree with the room.
"""

from __future__ import annotations

import json

from factories import parse_html, texts, voted_session

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession, RoundResult

ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")


def _orders(count):
    return [[2, 1, 0] if i % 6 == 0 else [0, 1, 2] for i in range(count)]


def _session(app, count):
    ids = voted_session(app, items=ITEMS, orders=_orders(count))
    with app.app_context():
        ids["code"] = db.session.get(RankingSession, ids["session_id"]).join_code
    return ids


def _payload(app, round_id):
    with app.app_context():
        return json.loads(db.session.get(RoundResult, round_id).payload)


def test_groups_of_three_are_shown_with_the_largest_divergence(app, client, login):
    ids = _session(app, 18)
    body = client.get(f"/scherm/{ids['code']}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert texts(body, '[data-insight="groups"] li') == [
        "Praktijk en uitvoering (3) zet ‘Mensgericht’ op 3, de zaal op 1"
    ]
    login()
    console = client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    rows = {
        tr["data-group"]: [td.get_text(strip=True) for td in tr.select("td")]
        for tr in parse_html(console).select("[data-console='groups'] tr[data-group]")
    }
    # columns: voters, then the group's place of A, B, C (the room's order)
    assert rows["Praktijk en uitvoering"] == ["3", "3", "2", "1"]
    assert rows["Founders"] == ["9", "1", "2", "3"]
    assert len(rows) == 7  # six pillars of three, and the founders
    divergent = parse_html(console).select("[data-group='Praktijk en uitvoering'] td.divergent")
    assert [td.get_text() for td in divergent] == ["3"]


def test_a_group_below_the_floor_is_never_stored_or_shown(app, client):
    ids = _session(app, 12)  # two phones per pillar
    body = client.get(f"/scherm/{ids['code']}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    payload = _payload(app, ids["round_id"])
    assert payload["breakdown"]["pillar"] == []
    assert [g["group"] for g in payload["breakdown"]["tier"]] == ["tier:founder"]
    assert 'data-insight="groups"' not in body


def test_the_floor_can_be_raised(app, client, login):
    app.config["BREAKDOWN_MIN_VOTERS"] = 4
    ids = _session(app, 18)
    payload = _payload(app, ids["round_id"])
    groups = payload["breakdown"]["pillar"] + payload["breakdown"]["tier"]
    assert all(g["voters"] >= 4 for g in groups)
    assert [g["group"] for g in groups] == ["tier:founder"]
    app.config["BREAKDOWN_MIN_VOTERS"] = 1  # never below three
    login()
    ids = _session(app, 12)
    assert all(g["voters"] >= 3 for g in _payload(app, ids["round_id"])["breakdown"]["pillar"])
