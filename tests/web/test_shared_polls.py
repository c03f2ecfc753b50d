"""The moment of truth: once the state changes, the whole hall gets one shared answer.

A round closes, or the next place is revealed: every phone of the hall asks
within one poll interval and every one gets the same card. The poll middleware
keeps the first answer the view gave and hands it to the other participants of
that session, in their language and encoding, until the state moves on. These
tests check what a phone would notice: the same card as the view would give,
never another state's or another language's card, never to a stranger, and a
single rendering for the whole hall.
"""

from __future__ import annotations

import gzip

import pytest
from factories import (
    close_round,
    csrf_tokens,
    join,
    open_round,
    parse_html,
    phone_state_tag,
    rendered,
    texts,
    vote,
)
from itsdangerous import URLSafeTimedSerializer

from hhu_ranking.extensions import db
from hhu_ranking.models import Round
from hhu_ranking.polling import SHARED_HEADER
from hhu_ranking.services import reveal

HX = {"HX-Request": "true"}
ITEMS = ("Mensgericht", "Regiobreed", "Zelfsturend")


@pytest.fixture
def renders(app):
    """The templates rendered, by name, from the moment the test asks."""
    with rendered(app) as names:
        yield names


def _hall(app, make_session, phones=4, results_live=False):
    ids = make_session(items=ITEMS, results_live=results_live)
    open_round(app, ids["round_id"])
    clients = []
    for _ in range(phones):
        phone = app.test_client()
        join(phone, app, ids["code"])
        assert vote(phone, ids["code"], ids["round_id"], ids["item_ids"]).status_code == 302
        clients.append(phone)
    return ids, clients


def _poll(phone, ids, tag, seen=None, **headers):
    seen = seen or f"{ids['round_id']}-open"
    return phone.get(
        f"/j/{ids['code']}/status?seen={seen}",
        headers={**HX, "If-None-Match": tag, **headers},
    )


def _step(app, round_id, step):
    with app.app_context():
        reveal.step_reveal(db.session, db.session.get(Round, round_id), step, len(ITEMS))
        db.session.commit()


def test_after_the_close_every_phone_gets_the_same_card_from_one_rendering(
    app, make_session, renders
):
    ids, phones = _hall(app, make_session)
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])
    renders.clear()

    answers = [_poll(phone, ids, tag) for phone in phones]

    assert [a.status_code for a in answers] == [200] * len(phones)
    assert len({a.get_data() for a in answers}) == 1
    assert renders.count("participate/_round.html") == 1
    card = parse_html(answers[-1].get_data(as_text=True))
    assert "Deze ronde is gesloten" in card.select_one(".phone-card.closed").get_text()
    assert card.select(".confirm-list") == []  # nothing of any one phone's own ballot
    for answer in answers:
        assert SHARED_HEADER not in answer.headers
        assert answer.headers["ETag"] == phone_state_tag(app, ids["session_id"])
        assert answer.headers["Cache-Control"] == "no-store"


def test_a_phone_that_already_shows_the_state_learns_only_the_new_tag(app, make_session):
    ids, phones = _hall(app, make_session, phones=3)
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])
    closed = f"{ids['round_id']}-closed-r0"
    for phone in phones:
        answer = _poll(phone, ids, tag, seen=closed)
        assert answer.status_code == 204 and answer.get_data() == b""
        assert answer.headers["ETag"] == phone_state_tag(app, ids["session_id"])


def test_each_reveal_step_reaches_every_phone_fresh(app, make_session):
    ids, phones = _hall(app, make_session, phones=3)
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])
    seen = f"{ids['round_id']}-open"
    for shown in (1, 2, 3):
        _step(app, ids["round_id"], "next")
        for phone in phones:
            answer = _poll(phone, ids, tag, seen=seen)
            assert answer.status_code == 200
            places = texts(answer.get_data(as_text=True), '[data-standing="places"] li')
            assert len(places) == shown
        tag = answer.headers["ETag"]
        seen = f"{ids['round_id']}-closed-r{shown}"
    assert places == ["1 Mensgericht", "2 Regiobreed", "3 Zelfsturend"]


def test_a_phone_in_english_never_gets_the_dutch_card(app, make_session):
    ids, phones = _hall(app, make_session, phones=2)
    english = phones[1]
    english.get(f"/j/{ids['code']}/stem?lang=en")
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])

    dutch = _poll(phones[0], ids, tag).get_data(as_text=True)
    assert "Deze ronde is gesloten" in dutch
    answer = _poll(english, ids, tag).get_data(as_text=True)
    assert "Deze ronde is gesloten" not in answer
    assert "This round is closed" in answer


def test_a_phone_that_cannot_unpack_gets_no_compressed_card(app, make_session):
    app.config["COMPRESS_MIN_SIZE"] = 1
    ids, phones = _hall(app, make_session, phones=2)
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])

    packed = _poll(phones[0], ids, tag, **{"Accept-Encoding": "gzip"})
    plain = _poll(phones[1], ids, tag, **{"Accept-Encoding": "identity"})

    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.get_data()) == plain.get_data()


def test_a_stranger_without_a_participant_cookie_is_sent_to_join(app, make_session):
    ids, phones = _hall(app, make_session, phones=1)
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])
    assert _poll(phones[0], ids, tag).status_code == 200  # the shared card is stored

    stranger = _poll(app.test_client(), ids, tag)
    assert stranger.status_code == 204
    assert stranger.headers["HX-Redirect"] == f"/j/{ids['code']}"
    # a cookie signed with another key is no participant's either
    forged = app.test_client()
    forged.set_cookie("session", phones[0].get_cookie("session").value + "x")
    assert _poll(forged, ids, tag).headers.get("HX-Redirect") == f"/j/{ids['code']}"


def test_a_participant_of_another_session_is_not_served_this_one(app, make_session):
    ids, phones = _hall(app, make_session, phones=1)
    other = make_session()
    outsider = app.test_client()
    join(outsider, app, other["code"])
    tag = phone_state_tag(app, ids["session_id"])
    close_round(app, ids["round_id"])
    assert _poll(phones[0], ids, tag).status_code == 200

    answer = _poll(outsider, ids, tag)
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == f"/j/{ids['code']}"


def test_an_open_round_is_never_shared(app, make_session, renders):
    """Phones ranking an open round each get their own form (with their own CSRF token)."""
    ids = make_session(items=ITEMS)
    phones = [app.test_client() for _ in range(2)]
    for phone in phones:
        join(phone, app, ids["code"])
    tag = phone_state_tag(app, ids["session_id"])
    open_round(app, ids["round_id"])
    renders.clear()
    answers = [_poll(phone, ids, tag, seen="wacht") for phone in phones]
    assert [a.status_code for a in answers] == [200, 200]
    # drawn once (views/shared_pages.py), but each form carries its own phone's token
    assert renders.count("participate/_round.html") == 1
    assert answers[0].get_data() != answers[1].get_data()
    tokens = [csrf_tokens(answer)[0][0] for answer in answers]
    assert tokens[0] != tokens[1]
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    for phone, token in zip(phones, tokens, strict=True):
        with phone.session_transaction() as cookie:
            assert signer.loads(token) == cookie["csrf_token"]
