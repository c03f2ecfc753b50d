"""What the big screen says about a result, number by number, and the reveal.

The profile (items A = Mensgericht, B = Regiobreed, C = Zelfsturend)::

    3 voters: A, B, C
    2 voters: B, C, A

Borda (2, 1, 0 points): A 3*2 = 6, B 3*1 + 2*2 = 7, C 2*1 = 2, so B, A, C.
Pairwise: A above B 3 of 5 (60%, 40% the other way), A above C 60%, B above C
100%: the Kemeny consensus is A, B, C, so the two methods disagree on A and B.
Kendall's W: rank sums A 9, B 8, C 13 around a mean of 10, S = 1 + 4 + 9 = 14,
W = 12 * 14 / (5**2 * (3**3 - 3)) = 0.28 ("een beetje eens").
Polarisation (variance of the rank over its maximum, 1): A has ranks 1, 1, 1,
3, 3: mean 1.8, variance 0.96; B and C 0.24 (below the 0.4 threshold).
Places of A: 60% first, 40% third. With three items every item is always in
the top 3 (100%).
"""

from __future__ import annotations

import json

from factories import parse_html, texts, voted_session
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession, Round, RoundResult
from hhu_ranking.services import rounds

HX = {"HX-Request": "true"}
ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")
ORDERS = ([0, 1, 2],) * 3 + ([1, 2, 0],) * 2


def _closed(app, orders=ORDERS, *, live=True, items=ITEMS):
    return voted_session(app, items=items, orders=orders, results_live=live)


def _screen(client, code, **headers):
    return client.get(f"/scherm/{code}", headers={**HX, **headers})


def _rows(body, which):
    """(place, title) per row of a list."""
    rows = parse_html(body).select(f'[data-result="{which}"] > li')
    title = ".item-title" if which == "kemeny" else ".bar-title"
    return [
        (row.select_one(".place").get_text(strip=True), row.select_one(title).get_text(strip=True))
        for row in rows
    ]


def _insight(body, name):
    return " ".join(parse_html(body).select_one(f'[data-insight="{name}"]').get_text().split())


def test_both_methods_side_by_side_with_the_majority_that_decides(app, client):
    ids = _closed(app)
    body = _screen(client, ids["code"]).get_data(as_text=True)
    kemeny = [("1", "Mensgericht"), ("2", "Regiobreed"), ("3", "Zelfsturend")]
    borda = [("1", "Regiobreed"), ("2", "Mensgericht"), ("3", "Zelfsturend")]
    assert _rows(body, "kemeny") == kemeny
    assert _rows(body, "borda") == borda
    assert texts(body, '[data-result="borda"] .bar-score') == ["7", "6", "2"]
    methods = _insight(body, "methods")
    assert "Borda en Kemeny verschillen" in methods
    assert "60% zet ‘Mensgericht’ boven ‘Regiobreed’ (40% andersom)" in methods
    assert texts(body, '[data-insight="methods"] li') == [
        "60% zet ‘Mensgericht’ boven ‘Regiobreed’ (40% andersom)"
    ]


def test_agreement_polarisation_chances_and_spread_are_shown_in_words_and_numbers(app, client):
    ids = _closed(app)
    body = _screen(client, ids["code"]).get_data(as_text=True)
    assert _insight(body, "agreement") == "Een beetje eens (Kendall's W = 0,28)"
    assert texts(body, '[data-insight="polarised"] li') == ["Mensgericht 0,96"]
    assert texts(body, '[data-insight="chances"] li') == [
        "100% Regiobreed",
        "100% Mensgericht",
        "100% Zelfsturend",
    ]
    strip = parse_html(body).select_one('[data-result="kemeny"] > li .spread')
    assert strip["aria-label"].endswith("plaats 1 60%, plaats 3 40%")
    # the heatmap, in consensus order A, B, C: row above column, as a table for screen readers
    rows = parse_html(body).select(".heatmap table tbody tr")
    assert [[tr.th.get_text()] + [td.get_text() for td in tr.select("td")] for tr in rows] == [
        ["1. Mensgericht", "–", "60", "60"],
        ["2. Regiobreed", "40", "–", "100"],
        ["3. Zelfsturend", "40", "0", "–"],
    ]
    cells = parse_html(body).select(".heatmap .pw-value")
    assert [c.get_text() for c in cells] == ["60", "60", "40", "100", "40", "0"]
    assert [r["class"][0] for r in parse_html(body).select(".heatmap rect")] == [
        *("hm-2", "hm-3", "hm-3"),
        *("hm-1", "hm-2", "hm-4"),
        *("hm-1", "hm-0", "hm-2"),
    ]


def test_the_certainty_line_reads_the_cached_bootstrap(app, client):
    ids = _closed(app)
    body = _screen(client, ids["code"]).get_data(as_text=True)
    with app.app_context():
        payload = json.loads(db.session.get(RoundResult, ids["round_id"]).payload)
    boot = payload["analysis"]["bootstrap"]
    assert boot["samples"] == 200
    leader = next(i for i in boot["items"] if i["place"] == 1)
    assert payload["items"][leader["id"]]["title"] == "Regiobreed"  # Borda's first
    keeps = round(100 * leader["keeps_place"])
    line = _insight(body, "certainty")
    if payload["contrast"]["top"] == "open":
        assert line.startswith("De top ligt nog open")
    else:
        assert "‘Regiobreed’" in line and f"{keeps}%" in line


def test_ties_are_numbered_one_way_on_the_screen_and_the_outcome_page(app, client, login):
    """A, B tie (1 : 1) above C under every method: 1=, 1=, 3 everywhere."""
    ids = _closed(app, orders=([0, 1, 2], [1, 0, 2]))
    body = _screen(client, ids["code"]).get_data(as_text=True)
    assert [p for p, _t in _rows(body, "kemeny")] == ["1=", "1=", "3"]
    assert [p for p, _t in _rows(body, "borda")] == ["1=", "1=", "3"]
    assert _insight(body, "methods") == "Borda en Kemeny geven dezelfde volgorde."
    login()
    page = client.get(f"/uitkomsten/{ids['outcome_id'] or _outcome_id(app, ids)}")
    soup = parse_html(page.get_data(as_text=True))
    assert [td["data-place"] for td in soup.select("td.rank")] == ["1=", "1=", "3"]
    for method in ("borda", "schulze", "copeland", "ranked-pairs"):
        column = [td.get_text(strip=True) for td in soup.select(f'td[data-method="{method}"]')]
        assert column == ["1=", "1=", "3"], method
    report = client.get(f"/export/ronde/{ids['round_id']}/rapport")
    assert report.status_code == 200
    cells = texts(report.get_data(as_text=True), "table tbody tr td.num:first-child")
    assert cells[:3] == ["1=", "1=", "3"]


def _outcome_id(app, ids):
    from hhu_ranking.models import Outcome

    with app.app_context():
        return db.session.scalar(select(Outcome.id).where(Outcome.round_id == ids["round_id"]))


def _reveal(client, code, step):
    return client.post(f"/scherm/{code}/onthul", data={"step": step}, headers=HX)


def _state_version(app, session_id):
    with app.app_context():
        return db.session.get(RankingSession, session_id).state_version


def test_a_sealed_round_is_revealed_from_the_last_place_to_the_first(app, client, login):
    ids = _closed(app, live=False)
    code = ids["code"]
    first = _screen(client, code)
    assert [t for _p, t in _rows(first.get_data(as_text=True), "kemeny")] == ["?", "?", "?"]
    assert 'data-result="borda"' not in first.get_data(as_text=True)
    # the screen is public, its reveal is not
    assert client.post(f"/scherm/{code}/onthul", data={"step": "next"}).status_code in (302, 401)
    login()
    version = _state_version(app, ids["session_id"])
    seen = []
    for step in ("next", "next", "next"):
        assert _reveal(client, code, step).status_code == 204
        body = _screen(client, code).get_data(as_text=True)
        seen.append([t for _p, t in _rows(body, "kemeny")])
    assert seen == [
        ["?", "?", "Zelfsturend"],
        ["?", "Regiobreed", "Zelfsturend"],
        ["Mensgericht", "Regiobreed", "Zelfsturend"],
    ]
    # every step told the polls (phones and screens) that something changed
    assert _state_version(app, ids["session_id"]) == version + 3
    assert 'class="revealed-now"' in body and 'data-result="borda"' in body
    # one more step changes nothing and writes nothing
    assert _reveal(client, code, "next").status_code == 204
    assert _state_version(app, ids["session_id"]) == version + 3
    _reveal(client, code, "back")
    body = _screen(client, code).get_data(as_text=True)
    assert [t for _p, t in _rows(body, "kemeny")] == ["?", "Regiobreed", "Zelfsturend"]
    _reveal(client, code, "all")
    body = _screen(client, code).get_data(as_text=True)
    assert [t for _p, t in _rows(body, "kemeny")] == list(ITEMS)
    assert 'class="revealed-now"' not in body
    _reveal(client, code, "start")
    body = _screen(client, code).get_data(as_text=True)
    assert [t for _p, t in _rows(body, "kemeny")] == ["?", "?", "?"]
    # a second screen (another client) sees the same place
    other = app.test_client()
    assert [t for _p, t in _rows(_screen(other, code).get_data(as_text=True), "kemeny")] == [
        "?",
        "?",
        "?",
    ]


def test_the_reveal_without_javascript_redirects_back_and_refuses_open_rounds(app, client, login):
    ids = _closed(app, live=False)
    login()
    page = client.get(f"/scherm/{ids['code']}").get_data(as_text=True)
    form = parse_html(page).select_one("[data-reveal-form]")
    assert [b["value"] for b in form.select("button")] == ["back", "next", "all", "start"]
    response = client.post(f"/scherm/{ids['code']}/onthul", data={"step": "next"})
    assert response.status_code == 302 and response.headers["Location"].endswith(ids["code"])
    assert client.post(f"/scherm/{ids['code']}/onthul", data={"step": "up"}).status_code == 400
    # the console's buttons come back to the console, which says how far the reveal is
    back = client.post(f"/scherm/{ids['code']}/onthul", data={"step": "next", "back": "console"})
    assert f"/beheer/sessies/{ids['session_id']}" in back.headers["Location"]
    console = client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    reveal = " ".join(parse_html(console).select_one('[data-console="reveal"]').get_text().split())
    assert reveal == "Op het scherm: 2 van 3 plaatsen onthuld."
    with app.app_context():
        rounds.open_round(db.session, db.session.get(Round, ids["round_id"]))
        db.session.commit()
    assert _reveal(client, ids["code"], "next").status_code == 409


def test_the_public_screen_has_no_reveal_controls(app, client):
    ids = _closed(app, live=False)
    page = client.get(f"/scherm/{ids['code']}").get_data(as_text=True)
    assert "data-reveal-form" not in page
