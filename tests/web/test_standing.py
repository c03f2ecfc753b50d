"""Every phone, once the result is shown, sees its own ballot beside the room's.

The profile (A = Mensgericht, B = Regiobreed, C = Zelfsturend): 3 phones
A, B, C and 2 phones B, C, A; the Kemeny consensus is A, B, C. A phone that
voted B, C, A put B 1st (room 2), C 2nd (room 3), A 3rd (room 1): it orders
two of the three pairs the other way round (A-B and A-C), a Kendall distance
of 2/3 ("heel anders"), and differs most on A (3rd against 1st).
"""

from __future__ import annotations

from factories import close_round, join, open_round, parse_html, texts, vote

from hhu_ranking.extensions import db
from hhu_ranking.models import Round
from hhu_ranking.services import reveal

ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")
HX = {"HX-Request": "true"}


def _room(app, make_session, *, live=False):
    ids = make_session(items=ITEMS, results_live=live)
    open_round(app, ids["round_id"])
    a, b, c = ids["item_ids"]
    phones = []
    for ranking in ([a, b, c],) * 3 + ([b, c, a],) * 2:
        phone = app.test_client()
        join(phone, app, ids["code"])
        assert vote(phone, ids["code"], ids["round_id"], ranking).status_code == 302
        phones.append(phone)
    close_round(app, ids["round_id"])
    return ids, phones


def _page(phone, code):
    return phone.get(f"/j/{code}/stem").get_data(as_text=True)


def _step(app, round_id, step):
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        reveal.step_reveal(db.session, round_, step, 3)
        db.session.commit()


def test_the_phone_follows_the_reveal_and_then_shows_where_it_stands(app, make_session):
    ids, phones = _room(app, make_session)
    mine = phones[-1]  # voted B, C, A
    page = _page(mine, ids["code"])
    assert "0 van 3" in texts(page, '[data-standing="reveal"]')[0]
    assert not parse_html(page).select('[data-standing="places"] li')
    _step(app, ids["round_id"], "next")
    # the status poll learns that the round it shows moved on (the reveal is in its key)
    status = mine.get(f"/j/{ids['code']}/status?seen={ids['round_id']}-closed-r0", headers=HX)
    assert status.status_code == 200
    assert texts(status.get_data(as_text=True), '[data-standing="places"] li') == ["3 Zelfsturend"]
    _step(app, ids["round_id"], "next")
    _step(app, ids["round_id"], "next")
    page = _page(mine, ids["code"])
    assert texts(page, '[data-standing="places"] li') == [
        "1 Mensgericht",
        "2 Regiobreed",
        "3 Zelfsturend",
    ]
    assert texts(page, '[data-standing="agreement"]') == [
        "Jij kijkt er heel anders tegenaan dan de zaal."
    ]
    assert texts(page, '[data-standing="top"] li') == [
        "Jouw nummer 1, ‘Regiobreed’, staat in de zaal op plaats 2.",
        "Jouw nummer 2, ‘Zelfsturend’, staat in de zaal op plaats 3.",
        "Jouw nummer 3, ‘Mensgericht’, staat in de zaal op plaats 1.",
    ]
    assert texts(page, '[data-standing="differs"]') == [
        "Het meest verschil bij ‘Mensgericht’: jij zette het op plaats 3, de zaal op plaats 1."
    ]
    # a phone that voted as the room did is told so, and nothing of it is on the big screen
    same = _page(phones[0], ids["code"])
    assert texts(same, '[data-standing="agreement"]') == ["Je zit heel dicht bij de zaal."]
    assert not parse_html(same).select('[data-standing="differs"]')
    screen = app.test_client().get(f"/scherm/{ids['code']}").get_data(as_text=True)
    assert "data-standing" not in screen and "Jouw nummer" not in screen


def test_a_live_round_shows_the_standing_at_once(app, make_session):
    ids, phones = _room(app, make_session, live=True)
    page = _page(phones[0], ids["code"])
    assert not parse_html(page).select('[data-standing="reveal"]')
    assert len(texts(page, '[data-standing="top"] li')) == 3
