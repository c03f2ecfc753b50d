"""A festival hall's join page and blank ballot, drawn once and given to every phone with
its own CSRF token (hhu_ranking/views/shared_pages.py)."""

from __future__ import annotations

from typing import Any

from factories import csrf_tokens, parse_html, pillar_id, rendered, shows_ballot

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession
from hhu_ranking.services.sessions import set_join_questions


def _join_with_own_token(guarded: Any, phone: Any, code: str, page: str, org: str) -> Any:
    token = csrf_tokens(page)[0][0]
    return phone.post(
        f"/j/{code}",
        data={"csrf_token": token, "organisation": org, "pillar": pillar_id(guarded)},
    )


def test_every_phone_gets_the_join_page_drawn_once_with_a_token_of_its_own(
    protected_app: Any, make_session: Any
) -> None:
    code = make_session(opened=True)["code"]
    phones = [protected_app.test_client() for _ in range(3)]
    with rendered(protected_app) as names:
        pages = [phone.get(f"/j/{code}").get_data(as_text=True) for phone in phones]
    assert names.count("participate/join.html") == 1
    tokens = []
    # each page carries one token, in every form and the body's htmx headers
    for page in pages:
        fields, sent = csrf_tokens(page)
        assert fields and set(fields) == {sent}
        tokens.append(sent)
    assert len(set(tokens)) == 3
    # apart from the tokens the pages are the same
    assert len({page.replace(token, "") for page, token in zip(pages, tokens, strict=True)}) == 1
    # and each token is its own phone's: another phone's is refused
    stolen = _join_with_own_token(protected_app, phones[1], code, pages[0], "Gemeente Utrecht")
    assert stolen.status_code == 400
    for phone, page in zip(phones, pages, strict=True):
        joined = _join_with_own_token(protected_app, phone, code, page, "Gemeente Utrecht")
        assert shows_ballot(joined)


def test_a_changed_session_or_another_language_is_drawn_afresh(
    app: Any, client: Any, make_session: Any
) -> None:
    made = make_session(opened=True)
    code = made["code"]
    first = parse_html(client.get(f"/j/{code}"))
    assert first.select_one("select#pillar") is not None
    assert first.select_one("form.quick-roles") is None
    with app.app_context():
        ranking_session = db.session.get(RankingSession, made["session_id"])
        set_join_questions(db.session, ranking_session, "festival")
        db.session.commit()
    other = app.test_client()
    asked = parse_html(other.get(f"/j/{code}"))
    assert asked.select_one("select#pillar") is None
    assert asked.select_one("form.quick-roles") is not None
    english = app.test_client()
    english.get("/?lang=en")
    page = english.get(f"/j/{code}").get_data(as_text=True)
    assert "Join" in page and "Meedoen" not in page


def test_a_logged_in_facilitator_gets_the_join_page_with_their_own_menu(
    app: Any, client: Any, make_session: Any, login: Any
) -> None:
    code = make_session(opened=True)["code"]
    phone = app.test_client()
    assert "Uitloggen" not in phone.get(f"/j/{code}").get_data(as_text=True)
    login()
    assert "Uitloggen" in client.get(f"/j/{code}").get_data(as_text=True)
    assert "Uitloggen" not in app.test_client().get(f"/j/{code}").get_data(as_text=True)


def test_blank_ballots_are_drawn_once_and_a_voted_phone_sees_its_own(
    protected_app: Any, make_session: Any
) -> None:
    made = make_session(opened=True)
    code, round_id, item_ids = made["code"], made["round_id"], made["item_ids"]
    phones = [protected_app.test_client() for _ in range(3)]
    pages = []
    with rendered(protected_app) as names:
        for n, phone in enumerate(phones):
            page = phone.get(f"/j/{code}").get_data(as_text=True)
            # each join is answered with the phone's ballot page
            joined = _join_with_own_token(protected_app, phone, code, page, f"Bewonersgroep {n}")
            pages.append(joined.get_data(as_text=True))
    assert names.count("participate/_round.html") == 1
    assert names.count("participate/vote.html") == 3  # each names its own organisation
    with rendered(protected_app) as names:
        reloaded = [phone.get(f"/j/{code}/stem") for phone in phones]
    assert [page.status_code for page in reloaded] == [200] * 3
    assert names.count("participate/_round.html") == 0  # a reload finds it drawn
    tokens = []
    for n, page in enumerate(pages):
        assert f"Bewonersgroep {n}" in page
        fields, sent = csrf_tokens(page)
        assert fields == [sent]
        tokens.append(sent)
    assert len(set(tokens)) == 3
    # the first phone votes with its own token, bottom item first
    order = list(reversed(item_ids))
    answer = phones[0].post(
        f"/j/{code}/stem",
        data={
            "csrf_token": tokens[0],
            "round_id": round_id,
            "ranking": order,
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert "Je stem is ontvangen" in answer.get_data(as_text=True)
    mine = parse_html(phones[0].get(f"/j/{code}/stem"))
    theirs = parse_html(phones[1].get(f"/j/{code}/stem"))
    assert [int(li["data-item-id"]) for li in mine.select(".rank-item")] == order
    assert mine.select_one("#bevestiging") is not None
    assert [int(li["data-item-id"]) for li in theirs.select(".rank-item")] == item_ids
    assert theirs.select_one("#bevestiging") is None


def test_each_item_at_each_place_is_drawn_once_and_every_phone_sees_its_own_order(
    app: Any, make_session: Any
) -> None:
    """A voted phone's ballot is its own order of the round's items: the items are drawn once
    per place and language, whichever phone's order puts them there."""
    from factories import join, vote

    made = make_session(opened=True)
    code, round_id, item_ids = made["code"], made["round_id"], made["item_ids"]
    phones = [app.test_client() for _ in range(3)]
    for phone in phones:
        assert shows_ballot(join(phone, app, code))
    a, b, c = item_ids
    # the joins drew the blank ballot, each item at its place in the round: these orders
    # put every item elsewhere
    orders = [[c, a, b], [c, a, b], [b, c, a]]
    drawn = []
    for phone, order in zip(phones, orders, strict=True):
        with rendered(app) as names:
            answer = vote(phone, code, round_id, order, **{"HX-Request": "true"})
        assert answer.status_code == 200
        drawn.append(names.count("participate/_rank_item.html"))
        shown = parse_html(answer).select(".rank-item")
        assert [int(li["data-item-id"]) for li in shown] == order
        # without JavaScript each item's place field holds its place in this phone's order
        places = [li.select_one('input[type="number"]')["value"] for li in shown]
        assert places == [str(n) for n in range(1, len(order) + 1)]
    # the second phone's order is the first's: nothing new to draw; the third puts every item
    # at a new place
    assert drawn == [len(item_ids), 0, len(item_ids)]
    # in English the same items are drawn again, in English
    english = parse_html(phones[0].get(f"/j/{code}/stem?lang=en"))
    assert "Place for" in english.select_one(".rank-place .visually-hidden").get_text()
